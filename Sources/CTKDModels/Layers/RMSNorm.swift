import CTKDCore
import CTKDTensor

/// Root-mean-square normalisation (Llama): `out = x · rstd · weight`, rstd = 1/√(mean(x²) + ε).
///
/// Shapes: `inp`, `out` (N, C); `rstd` (N) is saved for backward.
public enum RMSNorm {
    typealias V = VectorMath.Vector

    public static func forward(
        out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows: Int, channels: Int, epsilon: Float
    ) {
        let (out, rstd) = (UncheckedPointer(out), UncheckedPointer(rstd))
        let C = channels, vectorEnd = C & ~7
        Parallel.forEachChunk(rows, minimumChunk: 16) { range in
            for row in range {
                let x = inp + row * C
                let y = out.pointer + row * C
                let s = 1 / (VectorMath.dot(x, x, count: C) / Float(C) + epsilon).squareRoot()
                var c = 0
                while c < vectorEnd {
                    VectorMath.store(VectorMath.load(x, c) * s * VectorMath.load(weight, c), y, c)
                    c += 8
                }
                while c < C { y[c] = x[c] * s * weight[c]; c += 1 }
                rstd.pointer[row] = s
            }
        }
    }

    /// Adds into `dinp` and `dweight`.
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>,
        dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        rstd: UnsafePointer<Float>, rows: Int, channels: Int
    ) {
        let dinp = UncheckedPointer(dinp)
        let C = channels, vectorEnd = C & ~7
        ParallelReduction.sumRows(rows, width: C, into: dweight, minimumChunk: 16) { range, partial in
            for row in range {
                let x = inp + row * C, dy = dout + row * C, dx = dinp.pointer + row * C
                let s = rstd[row]
                // dx = s · (dnorm − x̂ · mean(dnorm · x̂)), dnorm = dy · weight, x̂ = x · s
                var sum = V.zero
                var c = 0
                while c < vectorEnd {
                    let xhat = VectorMath.load(x, c) * s
                    let g = VectorMath.load(dy, c)
                    sum = sum.addingProduct(VectorMath.load(weight, c) * g, xhat)
                    VectorMath.store(VectorMath.load(partial, c).addingProduct(xhat, g), partial, c)
                    c += 8
                }
                var meanDnormXhat = sum.sum()
                while c < C {
                    let xhat = x[c] * s
                    meanDnormXhat += weight[c] * dy[c] * xhat
                    partial[c] += xhat * dy[c]
                    c += 1
                }
                meanDnormXhat /= Float(C)
                let factor = s * s * meanDnormXhat  // dx = s·w·dy − x·s²·mean(dnorm·x̂)
                c = 0
                while c < vectorEnd {
                    let term = VectorMath.load(weight, c) * VectorMath.load(dy, c) * s - VectorMath.load(x, c) * factor
                    VectorMath.store(VectorMath.load(dx, c) + term, dx, c)
                    c += 8
                }
                while c < C {
                    dx[c] += s * weight[c] * dy[c] - x[c] * factor
                    c += 1
                }
            }
        }
    }
}
