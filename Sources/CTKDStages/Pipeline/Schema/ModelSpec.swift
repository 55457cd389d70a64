import CTKDCore

/// `model:` — the shape of a model trained from scratch (teacher or student). The vocabulary size
/// comes from its tokenizer.
///
///     model: {architecture: gpt2, layers: 4, d_model: 256, heads: 8, context_length: 256}
public struct ModelSpec: Decodable, Sendable, Equatable {
    public enum Architecture: String, SchemaEnum {
        case gpt2, llama
    }

    public var architecture: Architecture
    public var layers: Int
    public var dModel: Int
    public var heads: Int
    /// Key-value heads (grouped-query attention); Llama only. Defaults to `heads`.
    public var kvHeads: Int
    /// Width of the MLP's hidden layer; defaults to 4 × d_model (GPT-2) or the Llama rule
    /// (8/3 × d_model rounded up to a multiple of 64).
    public var dFF: Int
    public var contextLength: Int

    enum CodingKeys: String, SchemaCodingKey {
        case architecture, layers, heads
        case dModel = "d_model", kvHeads = "kv_heads", dFF = "d_ff", contextLength = "context_length"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        architecture = try c.decode(Architecture.self, forKey: .architecture, default: .gpt2)
        layers = try c.decode(Int.self, forKey: .layers, check: Check.atLeast(1))
        dModel = try c.decode(Int.self, forKey: .dModel, check: Check.atLeast(1))
        let heads = try c.decode(Located<Int>.self, forKey: .heads)
        if heads.value < 1 || dModel % heads.value != 0 {
            throw heads.error("must divide d_model (\(dModel)) evenly")
        }
        self.heads = heads.value
        if let kvHeads = try c.decodeIfPresent(Located<Int>.self, forKey: .kvHeads) {
            if architecture != .llama { throw kvHeads.error("only llama models have key-value heads") }
            if kvHeads.value < 1 || heads.value % kvHeads.value != 0 {
                throw kvHeads.error("must divide heads (\(heads.value)) evenly")
            }
            self.kvHeads = kvHeads.value
        } else {
            kvHeads = heads.value
        }
        let defaultFF = architecture == .gpt2 ? 4 * dModel : (8 * dModel / 3 + 63) / 64 * 64
        dFF = try c.decode(Int.self, forKey: .dFF, default: defaultFF, check: Check.atLeast(1))
        contextLength = try c.decode(Int.self, forKey: .contextLength, default: 256, check: Check.atLeast(8))
    }
}

/// The optimisation settings of a training run, written next to `model:` (teacher) or in a
/// student's entry:
///
///     steps: 3000
///     batch_size: 16
///     learning_rate: 0.001
public struct TrainingSpec: Decodable, Sendable, Hashable {
    public enum Schedule: String, SchemaEnum, Hashable {
        case cosine, linear, constant
    }

    public var steps: Int
    public var batchSize: Int
    public var learningRate: Double
    public var warmupSteps: Int
    public var schedule: Schedule
    public var weightDecay: Double
    /// Global gradient-norm clip; 0 turns it off.
    public var gradClip: Double
    /// Nil: the pipeline's seed.
    public var seed: UInt64?

    enum CodingKeys: String, SchemaCodingKey {
        case steps, schedule, seed
        case batchSize = "batch_size", learningRate = "learning_rate", warmupSteps = "warmup_steps"
        case weightDecay = "weight_decay", gradClip = "grad_clip"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        steps = try c.decode(Int.self, forKey: .steps, check: Check.atLeast(1))
        batchSize = try c.decode(Int.self, forKey: .batchSize, default: 16, check: Check.atLeast(1))
        learningRate = try c.decode(Double.self, forKey: .learningRate, default: 1e-3, check: Check.positive)
        warmupSteps = try c.decode(Int.self, forKey: .warmupSteps, default: 0, check: Check.atLeast(0))
        schedule = try c.decode(Schedule.self, forKey: .schedule, default: .cosine)
        weightDecay = try c.decode(Double.self, forKey: .weightDecay, default: 0, check: Check.nonNegative)
        gradClip = try c.decode(Double.self, forKey: .gradClip, default: 1, check: Check.nonNegative)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
    }
}
