/// One example of the cache: what the teacher stage writes and what readers get back.
public struct CacheRecord: Sendable, Equatable {
    public var exampleIndex: Int
    public var id: String
    public var prompt: String
    public var response: String
    public var tokens: TeacherTokens
    public var topK: TopKTargets?
    public var sampled: SampledTargets?
    public var bytes: ByteTargets?
    public var statistics: RecordStatistics

    public init(exampleIndex: Int, id: String, prompt: String, response: String, tokens: TeacherTokens,
                topK: TopKTargets?, sampled: SampledTargets?, bytes: ByteTargets?, statistics: RecordStatistics) {
        self.exampleIndex = exampleIndex
        self.id = id
        self.prompt = prompt
        self.response = response
        self.tokens = tokens
        self.topK = topK
        self.sampled = sampled
        self.bytes = bytes
        self.statistics = statistics
    }

    public var positions: Int { tokens.count }
}

/// Per-example sums that `ctkd cache stats` aggregates (measured when the row was written).
public struct RecordStatistics: Sendable, Equatable {
    public var topKKL: Double = 0
    public var tailMass: Double = 0
    public var byteKL: Double = 0
    /// Σ KL(beam ‖ single-pass) over the byte offsets, when both were computed.
    public var beamKL: Double?
    public var beamEvaluations: Int = 0

    public init(topKKL: Double = 0, tailMass: Double = 0, byteKL: Double = 0, beamKL: Double? = nil, beamEvaluations: Int = 0) {
        self.topKKL = topKKL
        self.tailMass = tailMass
        self.byteKL = byteKL
        self.beamKL = beamKL
        self.beamEvaluations = beamEvaluations
    }
}
