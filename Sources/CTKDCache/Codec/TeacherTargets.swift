/// The teacher's targets for one example, as stored (before encoding) and as decoded.
/// Arrays are flat, row-major; shapes are in the comments (P positions, L response bytes).

/// The teacher's response tokens: one per position (the token that position predicts), the last
/// being EOS when the model has one.
public struct TeacherTokens: Sendable, Equatable {
    public var ids: [Int32]        // (P)
    /// The byte offset where each token ends in the response; token i spans
    /// `byteEnds[i - 1] ..< byteEnds[i]` (from 0 for i = 0). EOS ends where the response ends.
    public var byteEnds: [Int32]   // (P)

    public init(ids: [Int32], byteEnds: [Int32]) {
        precondition(ids.count == byteEnds.count)
        self.ids = ids
        self.byteEnds = byteEnds
    }

    public var count: Int { ids.count }
    public func byteSpan(_ position: Int) -> Range<Int> {
        (position == 0 ? 0 : Int(byteEnds[position - 1]))..<Int(byteEnds[position])
    }
}

/// Top-k next-token log-probs per position plus the tail mass τ = 1 − Σ top-k probabilities.
/// Entries of a position may come in any order; decoded ones are in ascending token rank (the
/// cache's token order, the order the codec stores them in), not in id order.
public struct TopKTargets: Sendable, Equatable {
    public var k: Int
    public var ids: [Int32]         // (P, k)
    public var logProbs: [Float]    // (P, k)
    public var tailMass: [Float]    // (P)

    public init(k: Int, ids: [Int32], logProbs: [Float], tailMass: [Float]) {
        precondition(ids.count == logProbs.count && ids.count == k * tailMass.count)
        self.k = k
        self.ids = ids
        self.logProbs = logProbs
        self.tailMass = tailMass
    }

    public var positions: Int { tailMass.count }
}

/// N tokens drawn with replacement from the full teacher distribution at each position, stored
/// as distinct ids with counts (decoded: in ascending token rank).
public struct SampledTargets: Sendable, Equatable {
    public var sampleCount: Int
    public var offsets: [Int32]     // (P + 1): position p's entries are offsets[p] ..< offsets[p + 1]
    public var ids: [Int32]
    public var counts: [Int32]

    public init(sampleCount: Int, offsets: [Int32], ids: [Int32], counts: [Int32]) {
        self.sampleCount = sampleCount
        self.offsets = offsets
        self.ids = ids
        self.counts = counts
    }

    public var positions: Int { offsets.count - 1 }
}

/// The teacher's next-byte distribution over 257 symbols at every response byte offset
/// 0...L, stored sparse: the most probable symbols with their probabilities, and the remaining
/// mass spread evenly over the other symbols.
public struct ByteTargets: Sendable, Equatable {
    public var offsets: [Int32]          // (L + 2): offset o's entries are offsets[o] ..< offsets[o + 1]
    public var symbols: [Int16]          // 0...255 bytes, 256 END; descending probability
    public var probabilities: [Float]
    public var remainder: [Float]        // (L + 1)

    public init(offsets: [Int32], symbols: [Int16], probabilities: [Float], remainder: [Float]) {
        self.offsets = offsets
        self.symbols = symbols
        self.probabilities = probabilities
        self.remainder = remainder
    }

    public var count: Int { remainder.count }

    /// The dense 257-symbol distribution at `offset`.
    public func dense(at offset: Int) -> [Float] {
        let range = Int(offsets[offset])..<Int(offsets[offset + 1])
        let others = ByteSymbol.count - range.count
        var result = [Float](repeating: others > 0 ? remainder[offset] / Float(others) : 0, count: ByteSymbol.count)
        for index in range { result[Int(symbols[index])] = probabilities[index] }
        return result
    }
}
