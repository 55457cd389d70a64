import CTKDMetrics

/// What `ctkd eval` (and the pipeline's `eval` step) runs.
public struct EvaluationOptions: Sendable {
    /// How examples are scored.
    public enum Metrics: String, Sendable, CaseIterable {
        /// By each example's `task`: SQuAD EM/F1 for `qa`, ROUGE for `summary`, both without a task.
        case auto
        /// SQuAD v1.1 EM/F1 for every example.
        case squad
        /// ROUGE-1/2/L/Lsum for every example.
        case rouge
        /// Both for every example.
        case all
    }

    /// A Hugging Face model directory.
    public var modelDirectory: String
    /// The model's `tokenizer.json`.
    public var tokenizerPath: String
    /// A normalised dataset JSONL file (`references` are scored; `response` stands in without them).
    public var dataPath: String
    public var outputDirectory: String
    public var maxNewTokens = 32
    /// Prompts decoded together (KV-cache slots) and predictions committed together.
    public var batchSize = 16
    /// Evaluate a deterministic sample of this many examples (`DatasetSplitter.sample`).
    public var sample: Int?
    public var metrics = Metrics.auto
    public var bootstrap = BootstrapOptions()

    public init(modelDirectory: String, tokenizerPath: String, dataPath: String, outputDirectory: String) {
        self.modelDirectory = modelDirectory
        self.tokenizerPath = tokenizerPath
        self.dataPath = dataPath
        self.outputDirectory = outputDirectory
    }
}

/// The files an evaluation writes into its output directory.
public enum EvaluationFiles {
    /// The SQLite store every prediction is committed to as it is generated.
    public static let store = "predictions.sqlite"
    /// Every prediction in data order: `{"id", "prediction", "references", "task", "finish_reason"}`
    /// (what `ctkd score` reads).
    public static let predictions = "predictions.jsonl"
    /// The index of the scored groups (`EvaluationSummary`).
    public static let summary = "scores.json"
    /// A group's predictions when there are several groups (`ctkd score` input).
    public static func predictions(group: String) -> String { "predictions.\(group).jsonl" }
    /// A group's per-example scores (`ctkd score --per-example`).
    public static func perExample(group: String) -> String { "scores.\(group).jsonl" }
    /// A group's corpus scores with confidence intervals (`ctkd score --json`).
    public static func corpus(group: String) -> String { "scores.\(group).json" }
}
