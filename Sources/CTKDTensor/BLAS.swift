import COpenBLAS

/// Matrix products on OpenBLAS. All matrices are row-major Float32.
public enum BLAS {
    /// `C = alpha * op(A) * op(B) + beta * C`, with op(X) = X or Xᵀ.
    /// op(A) is m×k, op(B) is k×n, C is m×n; `lda`/`ldb`/`ldc` are the row strides as stored.
    @inline(__always)
    public static func sgemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The number of threads OpenBLAS uses for one call. It is process-wide: set it from one
    /// thread, outside ctkd's parallel loops.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }

    /// Runs `body` with OpenBLAS limited to `count` threads, then restores the previous count.
    /// Use `withThreadCount(1)` around a `Parallel` loop whose iterations call sgemm: ctkd's
    /// threads then own the cores and BLAS does not oversubscribe them.
    public static func withThreadCount<T>(_ count: Int, _ body: () throws -> T) rethrows -> T {
        let previous = threadCount
        threadCount = count
        defer { threadCount = previous }
        return try body()
    }
}

extension BLAS {
    /// `y = alpha * op(A) * x + beta * y` for a row-major m×n matrix A (op(A) = A or Aᵀ).
    @inline(__always)
    public static func sgemv(
        transpose: Bool = false, m: Int, n: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
        beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }
}
