import CTKDCore
import CTKDTensor

/// GELU with the tanh approximation (GPT-2's `gelu_new`):
/// `out = ½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))`. Shapes: `inp`, `out` (count).
public enum GELU {
    static let scale: Float = 0.797_884_56  // √(2/π)

    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
        let out = UncheckedPointer(out)
        Parallel.forEachChunk(count, minimumChunk: 1 << 14) { range in
            var index = range.lowerBound
            while index + 8 <= range.upperBound {
                let x = VectorMath.load(inp, index)
                let u = scale * (x + 0.044715 * x * x * x)
                VectorMath.store(0.5 * x * (1 + VectorMath.tanh(u)), out.pointer, index)
                index += 8
            }
            while index < range.upperBound {
                let x = inp[index]
                let u = VectorMath.Vector(repeating: scale * (x + 0.044715 * x * x * x))
                out.pointer[index] = 0.5 * x * (1 + VectorMath.tanh(u)[0])
                index += 1
            }
        }
    }

    /// Adds `dout · gelu'(inp)` into `dinp` (writes it with `overwrite`).
    public static func backward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                                dout: UnsafePointer<Float>, count: Int, overwrite: Bool = false) {
        let dinp = UncheckedPointer(dinp)
        @inline(__always) func derivative(_ x: VectorMath.Vector) -> VectorMath.Vector {
            let u = scale * (x + 0.044715 * x * x * x)
            let t = VectorMath.tanh(u)
            let du = scale * (1 + 3 * 0.044715 * x * x)
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du
        }
        Parallel.forEachChunk(count, minimumChunk: 1 << 14) { range in
            var index = range.lowerBound
            while index + 8 <= range.upperBound {
                let gradient = derivative(VectorMath.load(inp, index)) * VectorMath.load(dout, index)
                VectorMath.store(overwrite ? gradient : VectorMath.load(dinp.pointer, index) + gradient, dinp.pointer, index)
                index += 8
            }
            while index < range.upperBound {
                let gradient = derivative(VectorMath.Vector(repeating: inp[index]))[0] * dout[index]
                dinp.pointer[index] = overwrite ? gradient : dinp.pointer[index] + gradient
                index += 1
            }
        }
    }
}
