import CTKDCore

/// An entry of `evaluations:` — generate answers for a split with some models and score them.
///
///     evaluations:
///       - {split: test, max_new_tokens: 24, metrics: [auto]}
public struct EvaluationSpec: Decodable, Sendable {
    public enum Metric: String, SchemaEnum {
        /// EM and F1 for `qa` examples, ROUGE-1/2/L/Lsum for `summary` examples.
        case auto
        case em, f1, rouge1, rouge2, rougeL, rougeLsum
    }

    /// Defaults to the split's name.
    public var name: Located<String>
    public var split: Located<String>
    /// `teacher` and student names; nil: the teacher (if any) and every student.
    public var models: [Located<String>]?
    public var maxNewTokens: Int
    public var metrics: [Metric]
    /// Score a deterministic sample of this many examples of the split.
    public var sample: Int?
    /// Bootstrap resamples for the confidence intervals (0: none).
    public var bootstrap: Int
    public var location: SourceLocation

    enum CodingKeys: String, SchemaCodingKey {
        case name, split, models, metrics, sample, bootstrap
        case maxNewTokens = "max_new_tokens"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        location = decoder.sourceLocation
        split = try c.decode(Located<String>.self, forKey: .split)
        name = try c.decode(Located<String>.self, forKey: .name, default: split)
        models = try c.decodeIfPresent([Located<String>].self, forKey: .models)
        maxNewTokens = try c.decode(Int.self, forKey: .maxNewTokens, default: 32, check: Check.atLeast(1))
        metrics = try c.decode([Metric].self, forKey: .metrics, default: [.auto]) { $0.isEmpty ? "lists no metric" : nil }
        sample = try c.decodeIfPresent(Located<Int>.self, forKey: .sample).map {
            if $0.value < 1 { throw $0.error("must be at least 1") }
            return $0.value
        }
        bootstrap = try c.decode(Int.self, forKey: .bootstrap, default: 1000, check: Check.atLeast(0))
    }
}

/// `report:` — the Markdown report over every evaluation.
public struct ReportSpec: Decodable, Sendable {
    /// Defaults to the pipeline's name.
    public var title: String?
    /// The student the others are compared with; defaults to the first `sft` student.
    public var baseline: Located<String>?
    public var location: SourceLocation

    enum CodingKeys: String, SchemaCodingKey {
        case title, baseline
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        location = decoder.sourceLocation
        title = try c.decodeIfPresent(String.self, forKey: .title)
        baseline = try c.decodeIfPresent(Located<String>.self, forKey: .baseline)
    }
}
