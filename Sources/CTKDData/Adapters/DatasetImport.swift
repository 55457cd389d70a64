import CTKDCore

/// The source formats `ctkd data import` reads.
public enum DatasetFormat: String, Codable, Sendable, CaseIterable {
    /// Official SQuAD JSON (v1.1; v2.0 files too, whose unanswerable questions are skipped).
    case squad
    /// Official DialogSum JSON Lines (`fname`, `dialogue`, `summary` or `summary1`…`summaryN`).
    case dialogsum
    /// Any JSON Lines file, fields mapped by `FieldMapping`.
    case jsonl

    /// The template used when none is given.
    public var defaultTemplate: PromptTemplate {
        switch self {
        case .squad: .qa
        case .dialogsum: .dialogueSummary
        case .jsonl: .plain
        }
    }
}

/// Everything that decides how a source file becomes normalised examples (the pipeline hashes it).
public struct ImportOptions: Sendable, Equatable {
    public var format: DatasetFormat
    /// Nil: the format's default template.
    public var template: PromptTemplate?
    /// Overrides the task the adapter infers (SQuAD: qa, DialogSum: summary, JSONL: a `task` field).
    public var task: DatasetTask?
    /// Where the fields of a generic JSONL record are (ignored by the other formats).
    public var fields: FieldMapping

    public init(format: DatasetFormat, template: PromptTemplate? = nil, task: DatasetTask? = nil,
                fields: FieldMapping = FieldMapping()) {
        self.format = format
        self.template = template
        self.task = task
        self.fields = fields
    }

    public var effectiveTemplate: PromptTemplate { template ?? format.defaultTemplate }
}

/// What an import produced, with the source records it left out and why.
public struct ImportResult: Sendable {
    public var examples: [DatasetExample]
    /// Human-readable notes such as "skipped 5945 unanswerable questions".
    public var notes: [String]
}

/// Turns a source file into normalised examples.
///
///     let result = try DatasetImporter.importFile("dev-v1.1.json", options: ImportOptions(format: .squad))
///     try DatasetFile.write(result.examples, to: "squad-dev.jsonl")
public enum DatasetImporter {
    public static func importFile(_ path: String, options: ImportOptions) throws -> ImportResult {
        let result: ImportResult
        switch options.format {
        case .squad:
            result = try SQuADAdapter(template: options.effectiveTemplate).examples(from: path)
        case .dialogsum:
            result = try DialogSumAdapter(template: options.effectiveTemplate).examples(from: path)
        case .jsonl:
            result = try JSONLAdapter(fields: options.fields, template: options.effectiveTemplate)
                .examples(from: path)
        }
        var examples = result.examples
        if let task = options.task {
            for index in examples.indices { examples[index].task = task }
        }
        try requireUniqueIDs(examples, file: path)
        return ImportResult(examples: examples, notes: result.notes)
    }

    /// Ids name examples in the teacher cache and in predictions, so two examples may not share one.
    static func requireUniqueIDs(_ examples: [DatasetExample], file: String) throws {
        var seen = Set<String>()
        for example in examples where !seen.insert(example.id).inserted {
            throw CTKDError("duplicate example id \"\(example.id)\"", file: file)
        }
    }
}
