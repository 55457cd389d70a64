import CTKDCore

/// Official DialogSum JSON Lines → normalised examples, one per dialogue.
///
/// The train and dev files carry one `summary`; the test file carries `summary1`…`summary3`
/// written by different annotators. Both are read:
/// - response: `summary` if present, else `summary1` (the first annotator);
/// - references: `summary`, then `summary1`, `summary2`, … in numeric order (those present).
/// The id is `fname`; the template sees `dialogue` and `topic` (or `topic1`).
struct DialogSumAdapter {
    var template: PromptTemplate

    func examples(from path: String) throws -> ImportResult {
        let template = try self.template.compiled()
        var examples = [DatasetExample]()
        try JSONLines.forEachLine(in: path) { _, bytes in
            let record = try JSONRecord(JSONLines.parseLine(bytes))
            let id = try record.requiredString("fname")
            let references = try summaries(of: record)
            guard let first = references.first else {
                throw CTKDError("missing field (expected \"summary\" or \"summary1\")", field: "summary")
            }
            let prompt = try template.render { name in
                if name == "topic", record.value(at: "topic") == nil { return try record.string("topic1") }
                return try record.string(name)
            }
            examples.append(DatasetExample(id: id, prompt: prompt, response: self.template.response(first),
                                           references: references, task: .summary))
        }
        return ImportResult(examples: examples, notes: [])
    }

    private func summaries(of record: JSONRecord) throws -> [String] {
        var numbered = [(Int, String)]()
        for key in record.keys where key.hasPrefix("summary") {
            if let number = Int(key.dropFirst("summary".count)), number >= 1 {
                numbered.append((number, try record.requiredString(key)))
            }
        }
        let single = try record.string("summary").map { [$0] } ?? []
        return single + numbered.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
