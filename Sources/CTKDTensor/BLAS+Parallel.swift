import CTKDCore
#if canImport(Glibc)
import Glibc
#endif

extension BLAS {
    /// How ctkd's GEMMs use the cores. `.ctkdThreads` (the default) splits each product into
    /// row or column blocks computed by single-threaded sgemm on ctkd's own threads, so one thread
    /// pool owns the cores; `.blasThreads` hands whole products to OpenBLAS's threads.
    public enum Parallelism: String, Sendable { case ctkdThreads = "ctkd", blasThreads = "blas" }

    public static let parallelism: Parallelism = {
        if let value = getenv("CTKD_GEMM").map({ String(cString: $0) }), let mode = Parallelism(rawValue: value) { return mode }
        return .ctkdThreads
    }()

    /// `C = alpha · op(A) · op(B) + beta · C` on all cores (see `parallelism`). Each element of C
    /// is computed by one call on one thread, so results are deterministic for a thread count.
    public static func parallelSgemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let threads = Parallel.threadCount
        let work = m * n * k
        guard parallelism == .ctkdThreads, threads > 1, work >= 1 << 18 else {
            if parallelism == .ctkdThreads {
                withThreadCount(1) { gemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) }
            } else {
                gemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            }
            return
        }
        let c = UncheckedPointer(c)
        withThreadCount(1) {
            if m >= 32 * threads {
                // Row blocks of C: rows of A (columns when A is stored transposed).
                let blocks = blockBounds(m, parts: threads, alignment: 16)
                Parallel.forEach(blocks.count - 1) { part in
                    let (r0, r1) = (blocks[part], blocks[part + 1])
                    gemm(transposeA, transposeB, r1 - r0, n, k, alpha, transposeA ? a + r0 : a + r0 * lda, lda, b, ldb, beta,
                         c.pointer + r0 * ldc, ldc)
                }
            } else {
                // Column blocks of C: columns of op(B).
                let blocks = blockBounds(n, parts: threads, alignment: 16)
                Parallel.forEach(blocks.count - 1) { part in
                    let (c0, c1) = (blocks[part], blocks[part + 1])
                    gemm(transposeA, transposeB, m, c1 - c0, k, alpha, a, lda, transposeB ? b + c0 * ldb : b + c0, ldb, beta,
                         c.pointer + c0, ldc)
                }
            }
        }
    }

    /// 0 = b₀ < b₁ < … = count, parts of nearly equal size, inner bounds multiples of `alignment`.
    static func blockBounds(_ count: Int, parts: Int, alignment: Int) -> [Int] {
        var bounds = [0]
        for part in 1..<parts {
            let bound = (count * part / parts + alignment / 2) / alignment * alignment
            if bound > bounds.last! && bound < count { bounds.append(bound) }
        }
        bounds.append(count)
        return bounds
    }

    /// sgemm, or sgemv when C is a single row (decoding one token).
    @inline(__always)
    static func gemm(_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                     _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
                     _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        if m == 1 && !transposeA {
            // c (n) = alpha · op(B)ᵀ a: B stored (n, k) when transposed, else (k, n).
            if transposeB {
                sgemv(m: n, n: k, alpha: alpha, a: b, lda: ldb, x: a, beta: beta, y: c)
            } else {
                sgemv(transpose: true, m: k, n: n, alpha: alpha, a: b, lda: ldb, x: a, beta: beta, y: c)
            }
        } else {
            sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                  b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }
}
