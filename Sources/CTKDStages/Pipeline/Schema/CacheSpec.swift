import CTKDCore

/// `cache:` — what the teacher stage stores per response position (methods.md §1).
///
///     cache: {top_k: 64, sampled: 50, byte_dist: true, beam: 4, shards: 2}
public struct CacheSpec: Decodable, Sendable, Equatable {
    /// The data split the teacher runs over.
    public var split: Located<String>
    /// Most probable next tokens stored with their log-probabilities.
    public var topK: Int
    /// Tokens sampled from the full distribution per position (0: none).
    public var sampled: Int
    /// Whether to store the next-byte distribution per response byte (needed by BLD).
    public var byteDist: Bool
    /// Hypotheses kept by the byte beam.
    public var beam: Int
    /// Shards (`ctkd teach --shard i/n`), each a SQLite file.
    public var shards: Int

    enum CodingKeys: String, SchemaCodingKey {
        case split, sampled, beam, shards
        case topK = "top_k", byteDist = "byte_dist"
    }

    public static let defaults = CacheSpec(split: Located("train", at: SourceLocation(file: "", line: nil, keyPath: "cache.split")),
                                           topK: 64, sampled: 50, byteDist: true, beam: 4, shards: 1)

    init(split: Located<String>, topK: Int, sampled: Int, byteDist: Bool, beam: Int, shards: Int) {
        self.split = split
        self.topK = topK
        self.sampled = sampled
        self.byteDist = byteDist
        self.beam = beam
        self.shards = shards
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = CacheSpec.defaults
        split = try c.decode(Located<String>.self, forKey: .split, default: Located("train", at: decoder.sourceLocation))
        topK = try c.decode(Int.self, forKey: .topK, default: defaults.topK, check: Check.atLeast(1))
        sampled = try c.decode(Int.self, forKey: .sampled, default: defaults.sampled, check: Check.atLeast(0))
        byteDist = try c.decode(Bool.self, forKey: .byteDist, default: defaults.byteDist)
        beam = try c.decode(Int.self, forKey: .beam, default: defaults.beam, check: Check.atLeast(1))
        shards = try c.decode(Int.self, forKey: .shards, default: defaults.shards, check: Check.atLeast(1))
    }
}
