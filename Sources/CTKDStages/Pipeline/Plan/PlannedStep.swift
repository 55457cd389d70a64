import CTKDCore
import CTKDData

/// The kinds of step a pipeline is made of. The integrator provides a `PipelineStep` for each;
/// the data kinds are provided here.
public enum StepKind: String, Sendable, CaseIterable, Codable {
    /// Import dataset files into `<split>.jsonl` files.
    case dataImport = "data.import"
    /// Generate the synthetic demo dataset into `train/validation/test.jsonl`.
    case dataDemo = "data.demo"
    /// Train a byte-level BPE tokenizer → `tokenizer.json`.
    case tokenizerTrain = "tokenizer.train"
    /// Train the teacher from scratch → `model/` (Hugging Face layout), `metrics.jsonl`.
    case teacherTrain = "teacher.train"
    /// Run the teacher over a split → the cache shards.
    case teach
    /// Train a student from the data (and the cache) → `model/`, `metrics.jsonl`.
    case distill
    /// Generate answers and score them → `predictions.jsonl`, `scores.json`.
    case evaluate = "eval"
    /// Summarise every evaluation → `report.md`.
    case report
}

/// What a step does, with the typed settings its implementation needs (seeds and defaults
/// already filled in).
public enum StepTask: Sendable {
    /// Inputs `source[0]`, `source[1]`, … are the files of `sources`, in order.
    case importData(sources: [ImportSource], salt: String)
    case generateDemo(DemoConfig)
    /// Input `data`: the split's JSONL file.
    case trainTokenizer(TokenizerTrainSpec)
    /// Inputs `data` (train.jsonl), `tokenizer` (tokenizer.json).
    case trainTeacher(model: ModelSpec, training: TrainingSpec)
    /// Inputs `teacher` (model directory), `tokenizer` (the teacher's tokenizer.json), `data`.
    case teach(CacheSpec)
    /// Inputs `data` (train.jsonl), `tokenizer` (the student's), `cache` (except for sft).
    case distill(StudentSpec)
    /// Inputs `model` (model directory), `tokenizer`, `data` (the split's JSONL file).
    case evaluate(EvaluationSpec, model: String)
    /// Inputs `eval.<evaluation>.<model>` (evaluation directories), `student.<name>` and
    /// `teacher` (training directories with `metrics.jsonl`) where they were trained here.
    case report(title: String, baseline: String?)
}

/// Something a step reads: another step's output or a file outside the pipeline.
public struct StepInput: Sendable, Equatable {
    /// The role, e.g. `data`, `tokenizer`, `cache`.
    public var name: String
    /// Absolute path of the file or directory.
    public var path: String
    /// For another step's output, that step's hash (and the file within it); for an outside
    /// file, the SHA-256 of its content.
    public var hash: String
    /// The step whose output this is; nil for a file outside the pipeline.
    public var producer: String?

    public init(name: String, path: String, hash: String, producer: String?) {
        self.name = name
        self.path = path
        self.hash = hash
        self.producer = producer
    }
}

/// One step of a planned pipeline.
public struct PlannedStep: Sendable {
    /// Unique within the pipeline: `data`, `tokenizer.bpe1k`, `teacher`, `cache`, `student.kl`,
    /// `eval.test.kl`, `report`.
    public var name: String
    public var kind: StepKind
    public var task: StepTask
    /// The effective settings, as hashed.
    public var config: ConfigValue
    public var inputs: [StepInput]
    /// Where the step writes; nothing else is written by it.
    public var outputDirectory: String
    /// SHA-256 over the kind, the flattened config and the inputs' hashes.
    public var hash: String

    public init(name: String, kind: StepKind, task: StepTask, config: ConfigValue, inputs: [StepInput],
                outputDirectory: String) {
        self.name = name
        self.kind = kind
        self.task = task
        self.config = config
        self.inputs = inputs.sorted { $0.name < $1.name }
        self.outputDirectory = outputDirectory
        hash = PlannedStep.hash(kind: kind, config: config, inputs: self.inputs)
    }

    /// The steps this one reads from.
    public var dependencies: [String] {
        var names = [String]()
        for producer in inputs.compactMap(\.producer) where !names.contains(producer) { names.append(producer) }
        return names
    }

    public func input(_ name: String) -> StepInput? { inputs.first { $0.name == name } }

    /// The content hash: a step whose kind, settings and inputs are unchanged makes the same
    /// output, so its existing output can be kept.
    static func hash(kind: StepKind, config: ConfigValue, inputs: [StepInput]) -> String {
        var hasher = SHA256()
        hasher.update("ctkd pipeline step v1\nkind=\(kind.rawValue)\n")
        for line in config.flattened() { hasher.update("config.\(line.path)=\(line.value)\n") }
        for input in inputs { hasher.update("input.\(input.name)=\(input.hash)\n") }
        return hasher.finalizeHex()
    }
}

/// The files each kind of step leaves in its output directory (the contract between steps).
public enum StepProducts {
    public static func dataSplit(_ name: String) -> String { "\(name).jsonl" }
    public static let tokenizer = "tokenizer.json"
    public static let model = "model"
    public static let metrics = "metrics.jsonl"
    public static let predictions = "predictions.jsonl"
    public static let scores = "scores.json"
    public static let report = "report.md"
}
