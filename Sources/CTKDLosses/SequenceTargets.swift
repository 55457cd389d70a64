import CTKDCore

// What the losses read about one training sequence: the teacher's cached targets over its response
// positions and the student's own tokens over the same response bytes. Shapes use T_t for teacher
// response positions, T_s for student response positions, k for the cached top-k width.

/// The half-open byte range [start, end) that a token covers inside the response bytes.
public struct ByteSpan: Sendable, Equatable, Hashable, Codable {
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    public var count: Int { end - start }
    public var isEmpty: Bool { end <= start }
}

/// The teacher's top-k next-token log-probabilities per response position (methods.md §1).
///
/// Entries of a position are in any order; an entry with a negative id or a log-probability of
/// −infinity is padding (for positions with fewer than k distinct tokens). `tailMass[i]` is
/// `1 − Σ exp(logProbs)` of position i as the teacher stage stored it.
public struct TopKTargets: Sendable, Equatable {
    /// Entries per position.
    public let k: Int
    public let ids: [Int32]         // (T_t, k)
    public let logProbs: [Float]    // (T_t, k)
    public let tailMass: [Float]    // (T_t)

    public var positions: Int { tailMass.count }

    /// Token ids must be below 2^24.
    public static let idLimit: Int32 = 1 << 24

    public init(k: Int, ids: [Int32], logProbs: [Float], tailMass: [Float]) throws {
        guard k >= 1 else { throw CTKDError("k must be at least 1, got \(k)", field: "topK.k") }
        guard ids.count == tailMass.count * k else {
            throw CTKDError("expected \(tailMass.count) × \(k) ids, got \(ids.count)", field: "topK.ids")
        }
        guard logProbs.count == ids.count else {
            throw CTKDError("expected \(ids.count) log-probabilities, got \(logProbs.count)", field: "topK.logProbs")
        }
        // No vocabulary comes near 2^24 tokens; a larger id is corrupt data, and MultiLevelOT's
        // column sums are indexed by id.
        if let bad = ids.firstIndex(where: { $0 >= Self.idLimit }) {
            throw CTKDError("entry \(bad): \(ids[bad]) is not a token id", field: "topK.ids")
        }
        if let bad = tailMass.firstIndex(where: { !($0 >= 0 && $0 <= 1.001) }) {
            throw CTKDError("position \(bad): tail mass \(tailMass[bad]) is not in [0, 1]", field: "topK.tailMass")
        }
        if let bad = logProbs.firstIndex(where: { $0.isNaN || $0 > 1e-3 }) {
            throw CTKDError("entry \(bad): \(logProbs[bad]) is not a log-probability", field: "topK.logProbs")
        }
        self.k = k
        self.ids = ids
        self.logProbs = logProbs
        self.tailMass = tailMass
    }
}

/// Tokens drawn with replacement from the teacher's full distribution, per response position,
/// stored as unique ids with counts (Anshumann et al. 2025). Position i's draws are
/// `ids[offsets[i]..<offsets[i+1]]` with `counts` alongside; N_i is the sum of its counts.
public struct SampledTargets: Sendable, Equatable {
    public let offsets: [Int]       // (T_t + 1)
    public let ids: [Int32]
    public let counts: [Int32]

    public var positions: Int { offsets.count - 1 }

    public init(offsets: [Int], ids: [Int32], counts: [Int32]) throws {
        guard let first = offsets.first, first == 0, offsets.last == ids.count,
              zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw CTKDError("offsets must start at 0, not decrease and end at \(ids.count)", field: "sampled.offsets")
        }
        guard counts.count == ids.count else {
            throw CTKDError("expected \(ids.count) counts, got \(counts.count)", field: "sampled.counts")
        }
        if let bad = counts.firstIndex(where: { $0 < 1 }) {
            throw CTKDError("entry \(bad): count \(counts[bad]) is not positive", field: "sampled.counts")
        }
        self.offsets = offsets
        self.ids = ids
        self.counts = counts
    }
}

/// The teacher's next-byte distribution over 257 symbols (256 byte values + END) at each response
/// byte offset 0..<offsets (methods.md §2). Row o is conditioned on the response bytes [0, o).
/// A cache that stores them sparsely expands them into this dense layout.
public struct ByteDistributions: Sendable, Equatable {
    /// 256 byte values and END.
    public static let symbolCount = 257
    /// The symbol for end of sequence.
    public static let endSymbol = 256

    public let probabilities: [Float]   // (offsets, 257)

    public var offsets: Int { probabilities.count / Self.symbolCount }

    public init(probabilities: [Float]) throws {
        guard probabilities.count % Self.symbolCount == 0 else {
            throw CTKDError("expected a multiple of 257 values, got \(probabilities.count)",
                            field: "bytes.probabilities")
        }
        if let bad = probabilities.firstIndex(where: { !($0 >= 0) || $0.isInfinite }) {
            throw CTKDError("offset \(bad / Self.symbolCount), symbol \(bad % Self.symbolCount): "
                            + "\(probabilities[bad]) is not a probability", field: "bytes.probabilities")
        }
        self.probabilities = probabilities
    }
}

/// Everything the teacher cache holds for one sequence's response.
public struct TeacherSequence: Sendable, Equatable {
    /// The byte span of the token each teacher response position predicts.
    public var byteSpans: [ByteSpan]                 // (T_t)
    public var topK: TopKTargets?
    public var sampled: SampledTargets?
    public var byteDistributions: ByteDistributions?

    public var positions: Int { byteSpans.count }

    public init(byteSpans: [ByteSpan], topK: TopKTargets? = nil, sampled: SampledTargets? = nil,
                byteDistributions: ByteDistributions? = nil) throws {
        if let topK, topK.positions != byteSpans.count {
            throw CTKDError("top-k targets cover \(topK.positions) positions, byte spans \(byteSpans.count)",
                            field: "teacher.topK")
        }
        if let sampled, sampled.positions != byteSpans.count {
            throw CTKDError("sampled targets cover \(sampled.positions) positions, byte spans \(byteSpans.count)",
                            field: "teacher.sampled")
        }
        self.byteSpans = byteSpans
        self.topK = topK
        self.sampled = sampled
        self.byteDistributions = byteDistributions
    }
}

/// The student's side of one sequence: the token each response position predicts, its byte span
/// (from the student's own tokenizer) and the response bytes.
///
/// A final end-of-sequence token has the empty span at the end of the response; a special token that
/// produces no bytes elsewhere has an empty span at its offset. A target below 0 is ignored by CE.
public struct StudentSequence: Sendable, Equatable {
    public var targets: [Int32]          // (T_s)
    public var byteSpans: [ByteSpan]     // (T_s)
    public var responseBytes: [UInt8]

    public var positions: Int { targets.count }

    public init(targets: [Int32], byteSpans: [ByteSpan], responseBytes: [UInt8]) throws {
        guard byteSpans.count == targets.count else {
            throw CTKDError("\(targets.count) targets but \(byteSpans.count) byte spans", field: "student.byteSpans")
        }
        if let bad = byteSpans.firstIndex(where: { $0.start < 0 || $0.end < $0.start || $0.end > responseBytes.count }) {
            throw CTKDError("position \(bad): span \(byteSpans[bad].start)..<\(byteSpans[bad].end) is not inside "
                            + "the \(responseBytes.count) response bytes", field: "student.byteSpans")
        }
        self.targets = targets
        self.byteSpans = byteSpans
        self.responseBytes = responseBytes
    }

    /// Whether the last position predicts end of sequence (the empty span at the response's end).
    public var endsWithEndOfSequence: Bool {
        guard let last = byteSpans.last else { return false }
        return last.isEmpty && last.start == responseBytes.count
    }
}
