import CTKDCore
import CTKDTensor

/// Root-mean-square normalisation (Llama): `out = x · rstd · weight`, rstd = 1/√(mean(x²) + ε).
///
/// Shapes: `inp`, `out` (N, C); `rstd` (N) is saved for backward.
public enum RMSNorm {
    public static func forward(
        out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows: Int, channels: Int, epsilon: Float
    ) {
        let (out, rstd) = (UncheckedPointer(out), UncheckedPointer(rstd))
        Parallel.forEachChunk(rows, minimumChunk: 16) { range in
            for row in range {
                let x = inp + row * channels
                let y = out.pointer + row * channels
                let meanSquare = VectorMath.dot(x, x, count: channels) / Float(channels)
                let s = 1 / (meanSquare + epsilon).squareRoot()
                for c in 0..<channels { y[c] = x[c] * s * weight[c] }
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
        ParallelReduction.sumRows(rows, width: channels, into: dweight, minimumChunk: 16) { range, partial in
            for row in range {
                let x = inp + row * channels
                let dy = dout + row * channels
                let dx = dinp.pointer + row * channels
                let s = rstd[row]
                // dx = s · (dnorm − x̂ · mean(dnorm · x̂)), dnorm = dy · weight, x̂ = x · s
                var meanDnormXhat: Float = 0
                for c in 0..<channels {
                    let xhat = x[c] * s
                    meanDnormXhat += weight[c] * dy[c] * xhat
                    partial[c] += xhat * dy[c]
                }
                meanDnormXhat /= Float(channels)
                for c in 0..<channels {
                    dx[c] += s * (weight[c] * dy[c] - x[c] * s * meanDnormXhat)
                }
            }
        }
    }
}
