import CTKDCore
import CTKDTensor

/// Layer normalisation over the channels of each row (GPT-2): `out = (x − mean) · rstd · weight + bias`.
///
/// Shapes: `inp`, `out` (N, C) with N = B·T rows; `mean`, `rstd` (N) are saved for backward.
public enum LayerNorm {
    typealias V = VectorMath.Vector

    public static func forward(
        out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        rows: Int, channels: Int, epsilon: Float
    ) {
        let (out, mean, rstd) = (UncheckedPointer(out), UncheckedPointer(mean), UncheckedPointer(rstd))
        let C = channels, vectorEnd = C & ~7
        Parallel.forEachChunk(rows, minimumChunk: 16) { range in
            for row in range {
                let x = inp + row * C
                let y = out.pointer + row * C
                let mu = VectorMath.sum(x, count: C) / Float(C)
                var squares = V.zero
                var c = 0
                while c < vectorEnd {
                    let d = VectorMath.load(x, c) - mu
                    squares = squares.addingProduct(d, d)
                    c += 8
                }
                var variance = squares.sum()
                while c < C { variance += (x[c] - mu) * (x[c] - mu); c += 1 }
                let s = 1 / (variance / Float(C) + epsilon).squareRoot()
                c = 0
                while c < vectorEnd {
                    let normalized = (VectorMath.load(x, c) - mu) * s
                    VectorMath.store(VectorMath.load(bias, c).addingProduct(normalized, VectorMath.load(weight, c)), y, c)
                    c += 8
                }
                while c < C { y[c] = (x[c] - mu) * s * weight[c] + bias[c]; c += 1 }
                mean.pointer[row] = mu
                rstd.pointer[row] = s
            }
        }
    }

    /// Adds into `dinp`, `dweight`, `dbias`.
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>,
        dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, channels: Int
    ) {
        let dinp = UncheckedPointer(dinp)
        let C = channels, vectorEnd = C & ~7
        // Partial sums hold dweight in [0, C) and dbias in [C, 2C).
        let both = FloatBuffer(count: 2 * C)
        ParallelReduction.sumRows(rows, width: 2 * C, into: both.pointer, minimumChunk: 16) { range, partial in
            for row in range {
                let x = inp + row * C, dy = dout + row * C, dx = dinp.pointer + row * C
                let mu = mean[row], s = rstd[row]
                // dnorm = dy · weight; dx = s · (dnorm − mean(dnorm) − x̂ · mean(dnorm · x̂))
                var sumDnorm = V.zero, sumDnormXhat = V.zero
                var c = 0
                while c < vectorEnd {
                    let xhat = (VectorMath.load(x, c) - mu) * s
                    let g = VectorMath.load(dy, c)
                    let dnorm = VectorMath.load(weight, c) * g
                    sumDnorm += dnorm
                    sumDnormXhat = sumDnormXhat.addingProduct(dnorm, xhat)
                    VectorMath.store(VectorMath.load(partial, c).addingProduct(xhat, g), partial, c)
                    VectorMath.store(VectorMath.load(partial, C + c) + g, partial, C + c)
                    c += 8
                }
                var meanDnorm = sumDnorm.sum(), meanDnormXhat = sumDnormXhat.sum()
                while c < C {
                    let xhat = (x[c] - mu) * s
                    let dnorm = weight[c] * dy[c]
                    meanDnorm += dnorm
                    meanDnormXhat += dnorm * xhat
                    partial[c] += xhat * dy[c]
                    partial[C + c] += dy[c]
                    c += 1
                }
                meanDnorm /= Float(C)
                meanDnormXhat /= Float(C)
                c = 0
                while c < vectorEnd {
                    let xhat = (VectorMath.load(x, c) - mu) * s
                    let dnorm = VectorMath.load(weight, c) * VectorMath.load(dy, c)
                    let term = dnorm - meanDnorm - xhat * meanDnormXhat
                    VectorMath.store(VectorMath.load(dx, c).addingProduct(term, V(repeating: s)), dx, c)
                    c += 8
                }
                while c < C {
                    let xhat = (x[c] - mu) * s
                    dx[c] += s * (weight[c] * dy[c] - meanDnorm - xhat * meanDnormXhat)
                    c += 1
                }
            }
        }
        VectorMath.addScaled(both.pointer, dweight, count: C)
        VectorMath.addScaled(both.pointer + C, dbias, count: C)
    }
}
