import CTKDCore

/// One sequence's student logits over its response positions, (T_s, V) row-major, with each row's
/// log-normaliser at temperature 1 computed once and shared by every loss on these rows.
///
/// In a (B, T, V) batch, a sequence's response positions are consecutive rows (the prompt comes
/// first), so the view is `logits + (b·T + firstResponsePosition)·V` with `rows` = its response
/// length. The caller keeps the memory alive while the view is used.
///
///     let rows = LogitRows(logits: pointer, rows: 256, vocabularySize: 49_152)
///     let ce = CrossEntropy.forwardBackward(rows, targets: targets, dlogits: gradient, scale: 1 / 256)
public struct LogitRows: @unchecked Sendable {
    // @unchecked: a read-only view; the losses read it from several threads and never write it.
    public let logits: UnsafePointer<Float>    // (T_s, V)
    public let rows: Int
    public let vocabularySize: Int
    /// log Σ_v exp(logits[t, v]) per row.
    public let logSumExp: [Float]              // (T_s)

    public init(logits: UnsafePointer<Float>, rows: Int, vocabularySize: Int) {
        precondition(rows >= 0 && vocabularySize >= 1)
        self.logits = logits
        self.rows = rows
        self.vocabularySize = vocabularySize
        self.logSumExp = Self.logSumExps(logits, rows: rows, vocabularySize: vocabularySize, temperature: 1)
    }

    /// Row t: V logits.
    @inline(__always)
    public func row(_ t: Int) -> UnsafePointer<Float> { logits + t * vocabularySize }

    /// log Σ_v exp(logits[t, v] / temperature) per row.
    public func logSumExp(temperature: Float) -> [Float] {
        temperature == 1 ? logSumExp
            : Self.logSumExps(logits, rows: rows, vocabularySize: vocabularySize, temperature: temperature)
    }

    private static func logSumExps(_ logits: UnsafePointer<Float>, rows: Int, vocabularySize: Int,
                                   temperature: Float) -> [Float] {
        var result = [Float](repeating: 0, count: rows)
        if rows == 0 { return result }
        let inverse = 1 / temperature
        result.withUnsafeMutableBufferPointer { out in
            let out = UncheckedPointer(out.baseAddress!)
            Parallel.forEachChunk(rows, minimumChunk: rowsPerChunk(vocabularySize)) { range in
                for t in range {
                    out.pointer[t] = LogitKernels.logSumExp(logits + t * vocabularySize, count: vocabularySize,
                                                            inverseTemperature: inverse)
                }
            }
        }
        return result
    }
}

/// Rows per parallel chunk so that a chunk holds at least ~64k logits: below that, handing work
/// to another thread costs more than it saves.
func rowsPerChunk(_ vocabularySize: Int) -> Int { max(1, 65_536 / max(1, vocabularySize)) }

/// Σ_i term(i) for i in 0..<count, with the terms computed in parallel and added in index order,
/// so a loss value does not depend on the number of threads.
func parallelSum(_ count: Int, minimumChunk: Int, _ term: (Int) -> Double) -> Double {
    parallelTerms(count, minimumChunk: minimumChunk) { range, terms in
        for index in range { terms[index] = term(index) }
    }
}

/// Like `parallelSum`, for bodies that set up scratch space once per chunk: `body(range, terms)`
/// writes `terms[i]` for every i in `range`.
func parallelTerms(_ count: Int, minimumChunk: Int,
                   _ body: (Range<Int>, UnsafeMutablePointer<Double>) -> Void) -> Double {
    if count == 0 { return 0 }
    var terms = [Double](repeating: 0, count: count)
    terms.withUnsafeMutableBufferPointer { buffer in
        let out = UncheckedPointer(buffer.baseAddress!)
        Parallel.forEachChunk(count, minimumChunk: minimumChunk) { range in body(range, out.pointer) }
    }
    return terms.reduce(0, +)
}
