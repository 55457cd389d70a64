import CTKDCore
import CTKDTensor

/// Layer normalisation over the channels of each row (GPT-2): `out = (x − mean) · rstd · weight + bias`.
///
/// Shapes: `inp`, `out` (N, C) with N = B·T rows; `mean`, `rstd` (N) are saved for backward.
public enum LayerNorm {
    public static func forward(
        out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        rows: Int, channels: Int, epsilon: Float
    ) {
        let (out, mean, rstd) = (UncheckedPointer(out), UncheckedPointer(mean), UncheckedPointer(rstd))
        Parallel.forEachChunk(rows, minimumChunk: 16) { range in
            for row in range {
                let x = inp + row * channels
                let y = out.pointer + row * channels
                let mu = VectorMath.sum(x, count: channels) / Float(channels)
                var variance: Float = 0
                for c in 0..<channels {
                    let d = x[c] - mu
                    variance += d * d
                }
                let s = 1 / (variance / Float(channels) + epsilon).squareRoot()
                for c in 0..<channels { y[c] = (x[c] - mu) * s * weight[c] + bias[c] }
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
        // Partial sums hold dweight in [0, C) and dbias in [C, 2C).
        let both = FloatBuffer(count: 2 * channels)
        ParallelReduction.sumRows(rows, width: 2 * channels, into: both.pointer, minimumChunk: 16) { range, partial in
            for row in range {
                let x = inp + row * channels
                let dy = dout + row * channels
                let dx = dinp.pointer + row * channels
                let mu = mean[row], s = rstd[row]
                // dnorm = dy · weight; dx = s · (dnorm − mean(dnorm) − x̂ · mean(dnorm · x̂))
                var meanDnorm: Float = 0
                var meanDnormXhat: Float = 0
                for c in 0..<channels {
                    let xhat = (x[c] - mu) * s
                    let dnorm = weight[c] * dy[c]
                    meanDnorm += dnorm
                    meanDnormXhat += dnorm * xhat
                    partial[c] += xhat * dy[c]
                    partial[channels + c] += dy[c]
                }
                meanDnorm /= Float(channels)
                meanDnormXhat /= Float(channels)
                for c in 0..<channels {
                    let xhat = (x[c] - mu) * s
                    dx[c] += s * (weight[c] * dy[c] - meanDnorm - xhat * meanDnormXhat)
                }
            }
        }
        VectorMath.addScaled(both.pointer, dweight, count: channels)
        VectorMath.addScaled(both.pointer + channels, dbias, count: channels)
    }
}
