import CTKDCore
import CTKDTensor

/// Causal scaled dot-product attention with grouped-query heads, every product on sgemm.
///
/// Rows of `qkv` hold [q (H·D) | k (K·D) | v (K·D)] for H query heads, K key/value heads
/// (H a multiple of K; query head h reads key/value head h / (H/K)) and head size D. The
/// output rows hold the H heads' results side by side (N, H·D).
///
/// Queries are processed in blocks of `blockRows` rows; a block computes scores only against the
/// keys it can see, which skips most of the masked upper triangle (about 40% of the work at T=256).
public enum Attention {
    public struct Shape: Sendable, Equatable {
        public var heads: Int
        public var kvHeads: Int
        public var headSize: Int

        public init(heads: Int, kvHeads: Int, headSize: Int) {
            precondition(heads % kvHeads == 0, "query heads must be a multiple of key/value heads")
            self.heads = heads
            self.kvHeads = kvHeads
            self.headSize = headSize
        }

        public var groupSize: Int { heads / kvHeads }
        public var qkvWidth: Int { (heads + 2 * kvHeads) * headSize }
        public var outputWidth: Int { heads * headSize }
        public var keyOffset: Int { heads * headSize }
        public var valueOffset: Int { (heads + kvHeads) * headSize }
        public var scale: Float { 1 / Float(headSize).squareRoot() }
    }

    static let blockRows = 64

    // MARK: - Training (B sequences of T tokens, probabilities saved)

    /// Shapes: `out` (B·T, H·D), `probabilities` (B, H, T, T) saved for backward (entries above
    /// the diagonal of each query block are zero, entries right of a block are not written),
    /// `qkv` (B·T, (H+2K)·D).
    public static func forward(
        out: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>,
        qkv: UnsafePointer<Float>, batch: Int, time: Int, shape: Shape
    ) {
        let (out, probabilities) = (UncheckedPointer(out), UncheckedPointer(probabilities))
        let (width, outWidth, size) = (shape.qkvWidth, shape.outputWidth, shape.headSize)
        BLAS.withThreadCount(1) {
            Parallel.forEach(batch * shape.heads) { unit in
                let (b, h) = unit.quotientAndRemainder(dividingBy: shape.heads)
                let g = h / shape.groupSize
                let rows = qkv + b * time * width
                attendHead(
                    out: out.pointer + b * time * outWidth + h * size, outStride: outWidth,
                    queries: rows + h * size, queryStride: width, rows: time, rowsPerToken: 1,
                    prefix: nil,
                    ownKeys: rows + shape.keyOffset + g * size, ownValues: rows + shape.valueOffset + g * size,
                    ownStride: width,
                    scores: probabilities.pointer + unit * time * time, scoresStride: time,
                    headSize: size, scale: shape.scale)
            }
        }
    }

    /// Adds into `dqkv` (B·T, (H+2K)·D) given `dout` (B·T, H·D).
    public static func backward(
        dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        qkv: UnsafePointer<Float>, probabilities: UnsafePointer<Float>,
        batch: Int, time: Int, shape: Shape
    ) {
        let dqkv = UncheckedPointer(dqkv)
        let (width, outWidth, size) = (shape.qkvWidth, shape.outputWidth, shape.headSize)
        let pool = ScratchPool()
        BLAS.withThreadCount(1) {
            // One unit per key/value head: its query heads all add into its dK and dV.
            Parallel.forEach(batch * shape.kvHeads) { unit in
                let (b, g) = unit.quotientAndRemainder(dividingBy: shape.kvHeads)
                let rows = qkv + b * time * width
                let dRows = dqkv.pointer + b * time * width
                let keys = rows + shape.keyOffset + g * size, values = rows + shape.valueOffset + g * size
                let dKeys = dRows + shape.keyOffset + g * size, dValues = dRows + shape.valueOffset + g * size
                pool.withBuffer(count: blockRows * time) { dScores in
                    for h in (g * shape.groupSize)..<((g + 1) * shape.groupSize) {
                        let p = probabilities + (b * shape.heads + h) * time * time
                        let queries = rows + h * size, dQueries = dRows + h * size
                        let dO = dout + b * time * outWidth + h * size
                        var r0 = 0
                        while r0 < time {
                            let r1 = min(time, r0 + blockRows), m = r1 - r0
                            let pBlock = p + r0 * time
                            // dP (m, r1) = dO[r0:r1] · V[0:r1]ᵀ
                            BLAS.sgemm(transposeB: true, m: m, n: r1, k: size, a: dO + r0 * outWidth, lda: outWidth,
                                       b: values, ldb: width, c: dScores, ldc: time)
                            // dV[0:r1] += P[r0:r1, 0:r1]ᵀ · dO[r0:r1]
                            BLAS.sgemm(transposeA: true, m: r1, n: size, k: m, a: pBlock, lda: time,
                                       b: dO + r0 * outWidth, ldb: outWidth, beta: 1, c: dValues, ldc: width)
                            // dS = P ∘ (dP − Σ P·dP), scaled by the score scale
                            for i in 0..<m {
                                let visible = r0 + i + 1
                                let pRow = pBlock + i * time, dRow = dScores + i * time
                                let total = VectorMath.dot(pRow, dRow, count: visible)
                                for j in 0..<visible { dRow[j] = pRow[j] * (dRow[j] - total) * shape.scale }
                                for j in visible..<r1 { dRow[j] = 0 }
                            }
                            // dQ[r0:r1] += dS · K[0:r1];  dK[0:r1] += dSᵀ · Q[r0:r1]
                            BLAS.sgemm(m: m, n: size, k: r1, a: dScores, lda: time, b: keys, ldb: width,
                                       beta: 1, c: dQueries + r0 * width, ldc: width)
                            BLAS.sgemm(transposeA: true, m: r1, n: size, k: m, a: dScores, lda: time,
                                       b: queries + r0 * width, ldb: width, beta: 1, c: dKeys, ldc: width)
                            r0 = r1
                        }
                    }
                }
            }
        }
    }

    // MARK: - The shared kernel

    /// Keys and values already in a cache that a block of queries attends to before its own.
    struct Prefix {
        var keys: UnsafePointer<Float>
        var values: UnsafePointer<Float>
        var stride: Int
        var length: Int
    }

    /// `out = softmax(scale · q kᵀ, causal) · v` for one head: `rows` query rows, where row i
    /// belongs to own token i / rowsPerToken and sees every prefix key plus own keys 0...that token.
    /// `scores` (rows, prefix + own tokens) receives the probabilities.
    static func attendHead(
        out: UnsafeMutablePointer<Float>, outStride: Int,
        queries: UnsafePointer<Float>, queryStride: Int, rows: Int, rowsPerToken: Int,
        prefix: Prefix?,
        ownKeys: UnsafePointer<Float>, ownValues: UnsafePointer<Float>, ownStride: Int,
        scores: UnsafeMutablePointer<Float>, scoresStride: Int,
        headSize: Int, scale: Float
    ) {
        let prefixLength = prefix?.length ?? 0
        var r0 = 0
        while r0 < rows {
            let r1 = min(rows, r0 + blockRows), m = r1 - r0
            let ownVisible = (r1 - 1) / rowsPerToken + 1
            let q = queries + r0 * queryStride
            let s = scores + r0 * scoresStride
            if let prefix, prefix.length > 0 {
                product(m: m, n: prefix.length, k: headSize, alpha: scale, a: q, lda: queryStride,
                        b: prefix.keys, ldb: prefix.stride, transposeB: true, beta: 0, c: s, ldc: scoresStride)
            }
            product(m: m, n: ownVisible, k: headSize, alpha: scale, a: q, lda: queryStride,
                    b: ownKeys, ldb: ownStride, transposeB: true, beta: 0, c: s + prefixLength, ldc: scoresStride)
            for i in 0..<m {
                let row = s + i * scoresStride
                let visible = prefixLength + (r0 + i) / rowsPerToken + 1
                Softmax.row(row, row, count: visible)
                let end = prefixLength + ownVisible
                if visible < end { (row + visible).update(repeating: 0, count: end - visible) }
            }
            let o = out + r0 * outStride
            var beta: Float = 0
            if let prefix, prefix.length > 0 {
                product(m: m, n: headSize, k: prefix.length, alpha: 1, a: s, lda: scoresStride,
                        b: prefix.values, ldb: prefix.stride, transposeB: false, beta: 0, c: o, ldc: outStride)
                beta = 1
            }
            product(m: m, n: headSize, k: ownVisible, alpha: 1, a: s + prefixLength, lda: scoresStride,
                    b: ownValues, ldb: ownStride, transposeB: false, beta: beta, c: o, ldc: outStride)
            r0 = r1
        }
    }

    /// C = alpha · A · op(B) + beta · C, through gemv when A is one row (decoding).
    @inline(__always)
    static func product(m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool, beta: Float,
                        c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 1 {
            // c (n) = alpha · op(B)ᵀ-as-stored · a: B is (n, k) when transposed, else (k, n).
            if transposeB {
                BLAS.sgemv(m: n, n: k, alpha: alpha, a: b, lda: ldb, x: a, beta: beta, y: c)
            } else {
                BLAS.sgemv(transpose: true, m: k, n: n, alpha: alpha, a: b, lda: ldb, x: a, beta: beta, y: c)
            }
        } else {
            BLAS.sgemm(transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                       b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }
}
