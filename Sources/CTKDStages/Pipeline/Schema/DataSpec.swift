import CTKDCore
import CTKDData

/// `data:` — where the examples come from: the built-in demo generator, or imported files, each
/// going whole into one split or divided into several by id hash.
///
///     data:
///       import:
///         - {format: squad, path: ${SQUAD_DIR}/train-v1.1.json, splits: {train: 0.95, validation: 0.05}}
///         - {format: squad, path: ${SQUAD_DIR}/dev-v1.1.json, split: test, sample: 1000}
public struct DataSpec: Decodable, Sendable {
    public enum Source: Sendable {
        case demo(DemoSpec)
        case imports([ImportSource])
    }

    public var source: Source
    /// Salt of the id hash behind `splits` and `sample`.
    public var salt: String
    public var location: SourceLocation

    enum CodingKeys: String, SchemaCodingKey {
        case demo, `import`, salt
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        location = decoder.sourceLocation
        salt = try c.decode(String.self, forKey: .salt, default: DatasetSplitter.defaultSalt)
        let demo = try c.decodeIfPresent(DemoSpec.self, forKey: .demo)
        let imports = try c.decodeIfPresent([ImportSource].self, forKey: .import)
        switch (demo, imports) {
        case (let demo?, nil): source = .demo(demo)
        case (nil, let imports?):
            guard !imports.isEmpty else { throw decoder.schemaError("\"import\" lists no files") }
            source = .imports(imports)
        case (nil, nil): throw decoder.schemaError("needs \"demo\" (generated data) or \"import\" (files)")
        case (_?, _?): throw decoder.schemaError("has both \"demo\" and \"import\"; keep one")
        }
    }

    /// The split names the data step writes, in order.
    public var splitNames: [String] {
        switch source {
        case .demo: return DemoDataset.splitNames
        case .imports(let sources):
            var names = [String]()
            for source in sources {
                for name in source.target.names where !names.contains(name) { names.append(name) }
            }
            return names
        }
    }
}

/// `data.demo:` — the settings of `ctkd data demo`.
public struct DemoSpec: Decodable, Sendable {
    /// Nil: the pipeline's seed.
    public var seed: UInt64?
    public var train: Int
    public var validation: Int
    public var test: Int
    public var distractors: Int
    public var facts: Int
    public var qaFraction: Double

    enum CodingKeys: String, SchemaCodingKey {
        case seed, train, validation, test, distractors, facts
        case qaFraction = "qa_fraction"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = DemoConfig()
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
        train = try c.decode(Int.self, forKey: .train, default: defaults.train, check: Check.atLeast(1))
        validation = try c.decode(Int.self, forKey: .validation, default: defaults.validation, check: Check.atLeast(0))
        test = try c.decode(Int.self, forKey: .test, default: defaults.test, check: Check.atLeast(0))
        distractors = try c.decode(Int.self, forKey: .distractors, default: defaults.distractors) {
            (0...6).contains($0) ? nil : "must be between 0 and 6"
        }
        facts = try c.decode(Int.self, forKey: .facts, default: defaults.facts) {
            (1...5).contains($0) ? nil : "must be between 1 and 5"
        }
        qaFraction = try c.decode(Double.self, forKey: .qaFraction, default: defaults.qaFraction, check: Check.fraction)
    }

    public func config(seed pipelineSeed: UInt64) -> DemoConfig {
        DemoConfig(seed: seed ?? pipelineSeed, train: train, validation: validation, test: test,
                   distractors: distractors, facts: facts, qaFraction: qaFraction)
    }
}

/// One entry of `data.import:`.
public struct ImportSource: Decodable, Sendable {
    /// Where the file's examples go.
    public enum Target: Sendable {
        /// All of them into one split.
        case split(String)
        /// Divided by id hash.
        case fractions(SplitFractions)

        var names: [String] {
            switch self {
            case .split(let name): [name]
            case .fractions(let fractions): fractions.parts.map(\.name)
            }
        }
    }

    public var path: PathValue
    public var options: ImportOptions
    public var target: Target
    /// Keep a deterministic sample of this many examples (before splitting).
    public var sample: Int?
    public var location: SourceLocation

    enum CodingKeys: String, SchemaCodingKey {
        case format, path, split, splits, sample, template, task, fields
        case responsePrefix = "response_prefix"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        location = decoder.sourceLocation
        let format = try c.decode(SchemaEnumValue<DatasetFormat>.self, forKey: .format).value
        path = try c.decode(PathValue.self, forKey: .path)
        sample = try c.decodeIfPresent(Located<Int>.self, forKey: .sample).map { sample in
            if sample.value < 1 { throw sample.error("must be at least 1") }
            return sample.value
        }
        var template = try c.decodeIfPresent(Located<String>.self, forKey: .template).map { text in
            do { return try PromptTemplate.resolve(text.value) } catch let error as CTKDError { throw text.error(error.message) }
        }
        if let prefix = try c.decodeIfPresent(String.self, forKey: .responsePrefix) {
            template = template ?? format.defaultTemplate
            template?.responsePrefix = prefix
        }
        let task = try c.decodeIfPresent(SchemaEnumValue<DatasetTask>.self, forKey: .task)?.value
        let fields = try c.decodeIfPresent(Located<FieldMapping>.self, forKey: .fields)
        if let fields, format != .jsonl { throw fields.error("only the jsonl format maps fields") }
        options = ImportOptions(format: format, template: template, task: task, fields: fields?.value ?? FieldMapping())

        let split = try c.decodeIfPresent(Located<String>.self, forKey: .split)
        let splits = try c.decodeIfPresent(Located<NamedEntries<Double>>.self, forKey: .splits)
        switch (split, splits) {
        case (let split?, nil):
            do { try SplitFractions.validateName(split.value) } catch let error as CTKDError { throw split.error(error.message) }
            target = .split(split.value)
        case (nil, let splits?):
            do {
                target = .fractions(try SplitFractions(splits.value.entries.map { .init(name: $0.name, fraction: $0.value) }))
            } catch let error as CTKDError {
                throw splits.error(error.message)
            }
        case (nil, nil): throw decoder.schemaError("needs \"split\" (one split for the whole file) or \"splits\" (fractions)")
        case (_?, _?): throw decoder.schemaError("has both \"split\" and \"splits\"; keep one")
        }
    }
}

extension FieldMapping: Decodable {
    enum CodingKeys: String, SchemaCodingKey {
        case id, prompt, response, references, task
        case idsFromLines = "ids_from_lines"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = FieldMapping()
        self.init(id: try c.decode(String.self, forKey: .id, default: defaults.id),
                  prompt: try c.decode(String.self, forKey: .prompt, default: defaults.prompt),
                  response: try c.decode(String.self, forKey: .response, default: defaults.response),
                  references: try c.decode(String.self, forKey: .references, default: defaults.references),
                  task: try c.decode(String.self, forKey: .task, default: defaults.task),
                  idsFromLines: try c.decode(Bool.self, forKey: .idsFromLines, default: false))
    }
}
