import CTKDCore
import CTKDTensor

/// A fully connected layer on sgemm: `out = inp · weightᵀ + bias`, weight stored as PyTorch's
/// `nn.Linear` does, (OC, C) row-major.
///
/// Shapes: `inp` (N, C), `out` (N, OC), `weight` (OC, C), `bias` (OC) or nil. These are the big
/// single products of a step; `BLAS.parallelSgemm` spreads each over all cores.
public enum Linear {
    /// With `accumulate`, adds the result into `out` instead (a residual connection fused into
    /// the GEMM's `beta = 1`, saving one pass over the activations).
    public static func forward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        rows: Int, inChannels: Int, outChannels: Int, accumulate: Bool = false
    ) {
        guard rows > 0 else { return }
        var beta: Float = accumulate ? 1 : 0
        if let bias {
            let out = UncheckedPointer(out)
            Parallel.forEachChunk(rows, minimumChunk: 64) { range in
                for row in range {
                    let y = out.pointer + row * outChannels
                    if accumulate {
                        VectorMath.addScaled(bias, y, count: outChannels)
                    } else {
                        y.update(from: bias, count: outChannels)
                    }
                }
            }
            beta = 1
        }
        BLAS.parallelSgemm(transposeB: true, m: rows, n: outChannels, k: inChannels,
                           a: inp, lda: inChannels, b: weight, ldb: inChannels, beta: beta, c: out, ldc: outChannels)
    }

    /// Adds into `dweight`, `dbias` (if given) and `dinp` (if given; with `overwriteInputGradient`
    /// it is written instead, which saves zeroing a buffer that nothing else adds into).
    public static func backward(
        dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>?,
        dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        rows: Int, inChannels: Int, outChannels: Int, overwriteInputGradient: Bool = false
    ) {
        guard rows > 0 else { return }
        if let dinp {
            // dinp (N, C) += dout (N, OC) · weight (OC, C)
            BLAS.parallelSgemm(m: rows, n: inChannels, k: outChannels, a: dout, lda: outChannels,
                               b: weight, ldb: inChannels, beta: overwriteInputGradient ? 0 : 1, c: dinp, ldc: inChannels)
        }
        // dweight (OC, C) += doutᵀ (OC, N) · inp (N, C)
        BLAS.parallelSgemm(transposeA: true, m: outChannels, n: inChannels, k: rows, a: dout, lda: outChannels,
                           b: inp, ldb: inChannels, beta: 1, c: dweight, ldc: inChannels)
        if let dbias {
            ParallelReduction.sumRows(rows, width: outChannels, into: dbias) { range, partial in
                for row in range { VectorMath.addScaled(dout + row * outChannels, partial, count: outChannels) }
            }
        }
    }
}
