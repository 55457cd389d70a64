import CTKDCore
import CTKDTensor

/// Llama's gated MLP activation: `out = silu(gate) · up`, silu(x) = x·σ(x).
///
/// Shapes: `inp` (N, 2·I) holding [gate | up] per row (the fused gate/up projection), `out` (N, I).
public enum SwiGLU {
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               rows: Int, hidden: Int) {
        let out = UncheckedPointer(out)
        Parallel.forEachChunk(rows, minimumChunk: 8) { range in
            for row in range {
                let gate = inp + row * 2 * hidden
                let up = gate + hidden
                let y = out.pointer + row * hidden
                var index = 0
                while index + 8 <= hidden {
                    let g = VectorMath.load(gate, index)
                    VectorMath.store(g * VectorMath.sigmoid(g) * VectorMath.load(up, index), y, index)
                    index += 8
                }
                while index < hidden {
                    let g = gate[index]
                    y[index] = g * VectorMath.sigmoid(VectorMath.Vector(repeating: g))[0] * up[index]
                    index += 1
                }
            }
        }
    }

    /// Adds into `dinp` (N, 2·I) (writes it with `overwrite`): d gate = dout · up · silu'(gate),
    /// d up = dout · silu(gate).
    public static func backward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                                dout: UnsafePointer<Float>, rows: Int, hidden: Int, overwrite: Bool = false) {
        let keep: Float = overwrite ? 0 : 1
        let dinp = UncheckedPointer(dinp)
        Parallel.forEachChunk(rows, minimumChunk: 8) { range in
            for row in range {
                let gate = inp + row * 2 * hidden
                let up = gate + hidden
                let dgate = dinp.pointer + row * 2 * hidden
                let dup = dgate + hidden
                let dy = dout + row * hidden
                var index = 0
                while index + 8 <= hidden {
                    let g = VectorMath.load(gate, index)
                    let s = VectorMath.sigmoid(g)
                    let d = VectorMath.load(dy, index)
                    let silu = g * s
                    let siluDerivative = s * (1 + g * (1 - s))
                    VectorMath.store(VectorMath.load(dgate, index) * keep + d * VectorMath.load(up, index) * siluDerivative, dgate, index)
                    VectorMath.store(VectorMath.load(dup, index) * keep + d * silu, dup, index)
                    index += 8
                }
                while index < hidden {
                    let g = gate[index]
                    let s = VectorMath.sigmoid(VectorMath.Vector(repeating: g))[0]
                    dgate[index] = dgate[index] * keep + dy[index] * up[index] * s * (1 + g * (1 - s))
                    dup[index] = dup[index] * keep + dy[index] * g * s
                    index += 1
                }
            }
        }
    }
}
