import CTKDCore

/// Where the parts of an example are in a generic JSON Lines record. Paths may be dotted to
/// reach into nested objects (`answers.text`).
public struct FieldMapping: Sendable, Equatable {
    public var id: String
    /// The field behind the `plain` template's `{prompt}`.
    public var prompt: String
    public var response: String
    public var references: String
    public var task: String
    /// Records without an id field get `line-<N>` (their 1-based line number) instead of an error.
    public var idsFromLines: Bool

    public init(id: String = "id", prompt: String = "prompt", response: String = "response",
                references: String = "references", task: String = "task", idsFromLines: Bool = false) {
        self.id = id
        self.prompt = prompt
        self.response = response
        self.references = references
        self.task = task
        self.idsFromLines = idsFromLines
    }
}

/// Generic JSON Lines → normalised examples.
///
/// - id: the `id` field (a string or an integer);
/// - prompt: the template; its placeholders name record fields, and `{prompt}` names the
///   mapping's prompt field;
/// - response: the response field (the first element if it is a list); absent → prompt-only;
/// - references: the references field (a string or a list of strings); if the record has none,
///   the response without its separator;
/// - task: the task field if present (`qa` or `summary`).
struct JSONLAdapter {
    var fields: FieldMapping
    var template: PromptTemplate

    func examples(from path: String) throws -> ImportResult {
        let prompt = try template.compiled()
        var examples = [DatasetExample]()
        try JSONLines.forEachLine(in: path) { line, bytes in
            let record = try JSONRecord(JSONLines.parseLine(bytes))
            let text = try prompt.render { name in
                try record.string(name == "prompt" ? fields.prompt : name)
            }
            let answer = try record.string(fields.response)
            let references = try record.strings(fields.references) ?? answer.map { [$0] }
            var task: DatasetTask?
            if let name = try record.string(fields.task) {
                guard let parsed = DatasetTask(rawValue: name) else {
                    throw CTKDError("expected one of qa, summary", field: fields.task)
                }
                task = parsed
            }
            examples.append(DatasetExample(
                id: try id(of: record, line: line), prompt: text,
                response: answer.map(template.response), references: references, task: task))
        }
        return ImportResult(examples: examples, notes: [])
    }

    private func id(of record: JSONRecord, line: Int) throws -> String {
        switch record.value(at: fields.id) {
        case let text as String: return text
        case let number as Int: return String(number)
        case nil where fields.idsFromLines: return "line-\(line)"
        case nil: throw CTKDError("missing field (or let ids come from line numbers)", field: fields.id)
        default: throw CTKDError("expected a string or an integer", field: fields.id)
        }
    }
}
