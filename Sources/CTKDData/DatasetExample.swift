import CTKDCore

/// One example of a normalised dataset: the JSON Lines record that the adapters write and that
/// the teacher, student and evaluation stages read.
///
///     {"id": "56be4db0acb8001400a502ec", "prompt": "Context: …\nQuestion: …\nAnswer:",
///      "response": " Denver Broncos", "references": ["Denver Broncos", "Denver Broncos"],
///      "task": "qa"}
///
/// `prompt` and `response` are tokenized separately and concatenated, so the response carries
/// the separator between them (the template's `responsePrefix`, a space for the built-in
/// templates); `references` are the answers as the dataset gives them, for scoring.
public struct DatasetExample: Codable, Sendable, Equatable {
    public var id: String
    public var prompt: String
    /// The text the model learns to produce; absent for prompt-only data.
    public var response: String?
    /// The gold answers for scoring, in the dataset's order (duplicates kept).
    public var references: [String]?
    /// Which metrics apply (`qa`: EM/F1, `summary`: ROUGE); absent when the source does not say.
    public var task: DatasetTask?

    public init(id: String, prompt: String, response: String? = nil, references: [String]? = nil,
                task: DatasetTask? = nil) {
        self.id = id
        self.prompt = prompt
        self.response = response
        self.references = references
        self.task = task
    }
}

/// The kind of answer an example expects, which decides how it is scored.
public enum DatasetTask: String, Codable, Sendable, CaseIterable {
    /// Extractive or short-answer QA, scored with SQuAD EM/F1.
    case qa
    /// Summaries, scored with ROUGE-1/2/L/Lsum.
    case summary
}
