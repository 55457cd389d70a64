/// Which distillation loss the student trains with, added to its cross-entropy. The raw values
/// are the names used in configuration files, on the command line and in the metrics log.
public enum DistillationMethod: String, Codable, CaseIterable, Sendable {
    /// Cross-entropy only (supervised fine-tuning, the baseline).
    case sft
    /// Same-tokenizer top-k KL with the tail bucket.
    case kl
    /// Same-tokenizer sampled KD.
    case sampled
    /// Universal Logit Distillation.
    case uld
    /// MultiLevelOT.
    case mlot
    /// Byte-level distillation through the byte decoder head.
    case bld

    /// Whether the method compares token ids and so needs the teacher's tokenizer.
    public var needsSameTokenizer: Bool { self == .kl || self == .sampled }
}

/// The student's training objective: the method and every loss's settings (each with the
/// defaults documented on its type and in docs/losses.md). Decodes from partial JSON/YAML.
///
///     {"method": "mlot", "mlot": {"weight": 1.5}}
public struct ObjectiveConfiguration: Codable, Sendable, Equatable {
    public var method: DistillationMethod = .sft
    public var kl = SparseKLConfiguration()
    public var sampled = SampledKDConfiguration()
    public var uld = ULDConfiguration()
    public var mlot = MultiLevelOTConfiguration()
    public var bld = BLDConfiguration()

    public init(method: DistillationMethod = .sft) {
        self.method = method
    }

    enum CodingKeys: String, CodingKey { case method, kl, sampled, uld, mlot, bld }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = Self()
        method = try container.decode(.method, default: defaults.method)
        kl = try container.decode(.kl, default: defaults.kl)
        sampled = try container.decode(.sampled, default: defaults.sampled)
        uld = try container.decode(.uld, default: defaults.uld)
        mlot = try container.decode(.mlot, default: defaults.mlot)
        bld = try container.decode(.bld, default: defaults.bld)
    }

    /// The alignment of the method's token-level terms (nil for SFT and BLD, which need none).
    public var alignment: AlignmentMode? {
        switch method {
        case .sft, .bld: nil
        case .kl: kl.alignment
        case .sampled: sampled.alignment
        case .uld: uld.alignment
        case .mlot: mlot.alignment
        }
    }
}
