import CTKDCore
import CTKDTensor

/// Llama's gated MLP activation: `out = silu(gate) · up`, silu(x) = x·σ(x).
///
/// Shapes: `inp` (N, 2·I) holding [gate | up] per row (the fused gate/up projection), `out` (N, I).
/// Partial blocks go through padded vectors (one inlined call site of `sigmoid` per loop).
public enum SwiGLU {
    typealias V = VectorMath.Vector

    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               rows: Int, hidden: Int) {
        let out = UncheckedPointer(out)
        Parallel.forEachChunk(rows, minimumChunk: 8) { range in
            for row in range {
                let gate = inp + row * 2 * hidden
                let up = gate + hidden
                let y = out.pointer + row * hidden
                var index = 0
                while index < hidden {
                    let lanes = min(8, hidden - index)
                    let full = lanes == 8
                    let g = full ? VectorMath.load(gate, index) : VectorMath.loadPartial(gate, index, count: lanes)
                    let u = full ? VectorMath.load(up, index) : VectorMath.loadPartial(up, index, count: lanes)
                    let value = g * VectorMath.sigmoid(g) * u
                    if full { VectorMath.store(value, y, index) } else { VectorMath.storePartial(value, y, index, count: lanes) }
                    index += 8
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
                while index < hidden {
                    let lanes = min(8, hidden - index)
                    let full = lanes == 8
                    func load(_ p: UnsafePointer<Float>) -> V { full ? VectorMath.load(p, index) : VectorMath.loadPartial(p, index, count: lanes) }
                    func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
                        if full { VectorMath.store(v, p, index) } else { VectorMath.storePartial(v, p, index, count: lanes) }
                    }
                    let g = load(gate), u = load(up), d = load(dy)
                    let s = VectorMath.sigmoid(g)
                    let siluDerivative = s * (1 + g * (1 - s))
                    store(load(dgate) * keep + d * u * siluDerivative, dgate)
                    store(load(dup) * keep + d * g * s, dup)
                    index += 8
                }
            }
        }
    }
}
