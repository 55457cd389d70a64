import CTKDCore

/// An entry of `students:` — a model trained from the data (and the teacher cache) with one loss.
///
///     students:
///       - {name: sft, tokenizer: bpe1k, model: {layers: 2, d_model: 128, heads: 4}, steps: 1500, loss: sft}
///       - {name: mlot, tokenizer: bpe1k, model: *student, steps: 1500, loss: mlot, weight: 0.15}
public struct StudentSpec: Decodable, Sendable {
    public var name: Located<String>
    /// A name from `tokenizers:`, or `teacher` for the teacher's tokenizer.
    public var tokenizer: Located<String>
    public var model: ModelSpec
    public var training: TrainingSpec
    public var loss: LossSpec
    public var location: SourceLocation

    enum CodingKeys: String, SchemaCodingKey {
        case name, tokenizer, model, loss, weight, alignment, mlot, bld
    }

    public init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: CombinedKeys<CodingKeys, TrainingSpec.CodingKeys>.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        location = decoder.sourceLocation
        name = try c.decode(Located<String>.self, forKey: .name)
        tokenizer = try c.decode(Located<String>.self, forKey: .tokenizer)
        model = try c.decode(ModelSpec.self, forKey: .model)
        training = try TrainingSpec(from: decoder)
        loss = try LossSpec(from: decoder)
    }
}

/// The loss of a student: cross-entropy on the response (`sft`), plus a weighted distillation
/// term (methods.md §4). Hyper-parameters not written take the defaults below.
public struct LossSpec: Decodable, Sendable, Equatable {
    public enum Kind: String, SchemaEnum {
        /// Cross-entropy only: the baseline.
        case sft
        /// Top-k KL with a tail bucket; the student must use the teacher's tokenizer.
        case kl
        /// Sampled KD (unbiased); the teacher's tokenizer and `cache.sampled` > 0.
        case sampled
        /// Universal logit distillation (sorted-probability L1).
        case uld
        /// MultiLevelOT.
        case mlot
        /// Byte-level distillation through a byte head; needs `cache.byte_dist`.
        case bld

        /// Whether the loss reads the teacher cache.
        public var needsCache: Bool { self != .sft }
        /// Whether the student must share the teacher's vocabulary.
        public var needsTeacherTokenizer: Bool { self == .kl || self == .sampled }
        /// The distillation weight when none is written.
        public var defaultWeight: Double? {
            switch self {
            case .sft, .bld: nil
            case .kl, .sampled: 1.0
            case .uld: 1.5    // the ULD paper's
            case .mlot: 0.15  // CTKDLosses' default: the paper's printed value (docs/losses.md)
            }
        }
    }

    /// How teacher and student positions are paired (methods.md §3).
    public enum Alignment: String, SchemaEnum {
        case bytes, index
    }

    public var kind: Kind
    /// `L = CE + weight × L_distill`; nil for sft and bld.
    public var weight: Double?
    /// For uld and mlot; nil for the others.
    public var alignment: Alignment?
    public var mlot: MLOTSpec?
    public var bld: BLDSpec?

    typealias CodingKeys = StudentSpec.CodingKeys

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(Kind.self, forKey: .loss)
        func only(_ key: CodingKeys, for kinds: [Kind]) throws -> Bool {
            guard c.contains(key) else { return false }
            guard kinds.contains(kind) else {
                throw decoder.schemaError("does not apply to loss \(kind.rawValue) (only to \(kinds.map(\.rawValue).joined(separator: ", ")))",
                                          atKey: key.stringValue)
            }
            return true
        }
        weight = kind.defaultWeight
        if try only(.weight, for: [.kl, .sampled, .uld, .mlot]) {
            weight = try c.decode(Double.self, forKey: .weight, check: Check.nonNegative)
        }
        alignment = kind == .uld || kind == .mlot ? .bytes : nil
        if try only(.alignment, for: [.uld, .mlot]) { alignment = try c.decode(Alignment.self, forKey: .alignment) }
        mlot = kind == .mlot ? try c.decodeIfPresent(MLOTSpec.self, forKey: .mlot) ?? MLOTSpec() : nil
        _ = try only(.mlot, for: [.mlot])
        bld = kind == .bld ? try c.decodeIfPresent(BLDSpec.self, forKey: .bld) ?? BLDSpec() : nil
        _ = try only(.bld, for: [.bld])
    }
}

/// `mlot:` — MultiLevelOT's hyper-parameters; defaults are the paper's (methods.md §4).
public struct MLOTSpec: Decodable, Sendable, Equatable {
    public var topK = 50
    public var beta = 0.1
    public var gamma = 0.1
    public var sinkhornLambda = 0.1
    public var sinkhornIterations = 20
    public var tauSL = 1.0
    public var tauSD = 2.0

    enum CodingKeys: String, SchemaCodingKey {
        case beta, gamma
        case topK = "top_k", sinkhornLambda = "sinkhorn_lambda", sinkhornIterations = "sinkhorn_iterations"
        case tauSL = "tau_sl", tauSD = "tau_sd"
    }

    init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = MLOTSpec()
        topK = try c.decode(Int.self, forKey: .topK, default: d.topK, check: Check.atLeast(1))
        beta = try c.decode(Double.self, forKey: .beta, default: d.beta, check: Check.nonNegative)
        gamma = try c.decode(Double.self, forKey: .gamma, default: d.gamma, check: Check.nonNegative)
        sinkhornLambda = try c.decode(Double.self, forKey: .sinkhornLambda, default: d.sinkhornLambda, check: Check.positive)
        sinkhornIterations = try c.decode(Int.self, forKey: .sinkhornIterations, default: d.sinkhornIterations, check: Check.atLeast(1))
        tauSL = try c.decode(Double.self, forKey: .tauSL, default: d.tauSL, check: Check.positive)
        tauSD = try c.decode(Double.self, forKey: .tauSD, default: d.tauSD, check: Check.positive)
    }
}

/// `bld:` — the byte head's settings; defaults are the published re-implementation's.
public struct BLDSpec: Decodable, Sendable, Equatable {
    /// Bytes predicted from each token position (M).
    public var bytes = 10
    /// λ_b: weight of the byte cross-entropy on the true bytes.
    public var byteCEWeight = 1.0
    /// λ_kl: weight of KL(teacher byte distribution ‖ byte head).
    public var klWeight = 0.1

    enum CodingKeys: String, SchemaCodingKey {
        case bytes
        case byteCEWeight = "byte_ce_weight", klWeight = "kl_weight"
    }

    init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = BLDSpec()
        bytes = try c.decode(Int.self, forKey: .bytes, default: d.bytes, check: Check.atLeast(1))
        byteCEWeight = try c.decode(Double.self, forKey: .byteCEWeight, default: d.byteCEWeight, check: Check.nonNegative)
        klWeight = try c.decode(Double.self, forKey: .klWeight, default: d.klWeight, check: Check.nonNegative)
    }
}
