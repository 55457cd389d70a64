import CTKDCore
import CTKDTensor

/// GELU with the tanh approximation (GPT-2's `gelu_new`):
/// `out = ½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))`. Shapes: `inp`, `out` (count).
///
/// Loops handle their last partial block with padded vectors, so the vector `tanh` has one call
/// site per loop and is inlined (see `VectorMath`).
public enum GELU {
    typealias V = VectorMath.Vector
    static let scale: Float = 0.797_884_56  // √(2/π)

    @inline(__always)
    static func value(_ x: V) -> V {
        0.5 * x * (1 + VectorMath.tanh(scale * x.addingProduct(0.044715 * x * x, x)))
    }

    @inline(__always)
    static func derivative(_ x: V) -> V {
        let t = VectorMath.tanh(scale * x.addingProduct(0.044715 * x * x, x))
        let du = scale * (1 + 3 * 0.044715 * x * x)
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du
    }

    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
        let out = UncheckedPointer(out)
        Parallel.forEachChunk(count, minimumChunk: 1 << 14) { range in
            var index = range.lowerBound
            while index < range.upperBound {
                let lanes = min(8, range.upperBound - index)
                let x = lanes == 8 ? VectorMath.load(inp, index) : VectorMath.loadPartial(inp, index, count: lanes)
                let y = value(x)
                if lanes == 8 { VectorMath.store(y, out.pointer, index) } else { VectorMath.storePartial(y, out.pointer, index, count: lanes) }
                index += 8
            }
        }
    }

    /// Adds `dout · gelu'(inp)` into `dinp` (writes it with `overwrite`).
    public static func backward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                                dout: UnsafePointer<Float>, count: Int, overwrite: Bool = false) {
        let dinp = UncheckedPointer(dinp)
        let keep: Float = overwrite ? 0 : 1
        Parallel.forEachChunk(count, minimumChunk: 1 << 14) { range in
            var index = range.lowerBound
            while index < range.upperBound {
                let lanes = min(8, range.upperBound - index)
                let full = lanes == 8
                let x = full ? VectorMath.load(inp, index) : VectorMath.loadPartial(inp, index, count: lanes)
                let g = full ? VectorMath.load(dout, index) : VectorMath.loadPartial(dout, index, count: lanes)
                let old = full ? VectorMath.load(dinp.pointer, index) : VectorMath.loadPartial(dinp.pointer, index, count: lanes)
                let y = old * keep + derivative(x) * g
                if full { VectorMath.store(y, dinp.pointer, index) } else { VectorMath.storePartial(y, dinp.pointer, index, count: lanes) }
                index += 8
            }
        }
    }
}
