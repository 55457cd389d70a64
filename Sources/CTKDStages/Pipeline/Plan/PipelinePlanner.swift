import CTKDCore
import CTKDData

/// Turns a validated pipeline file into its steps, in an order where every step comes after the
/// steps it reads from, each with its effective settings, inputs and content hash.
///
///     let steps = try PipelinePlanner(try PipelineFile.load("pipelines/demo.yaml")).steps()
public struct PipelinePlanner {
    public let file: PipelineFile
    /// The work directory (the file's `output:` unless overridden).
    public let outputDirectory: String

    public init(_ file: PipelineFile, outputDirectory: String? = nil) {
        self.file = file
        self.outputDirectory = outputDirectory ?? file.outputDirectory
    }

    var spec: PipelineSpec { file.spec }

    /// Hashes the files the pipeline reads (data sources, tokenizer files, a teacher directory)
    /// and builds the steps.
    public func steps() throws -> [PlannedStep] {
        var builder = Builder(planner: self)
        try builder.build()
        return builder.steps
    }

    private struct Builder {
        let planner: PipelinePlanner
        var steps = [PlannedStep]()
        /// Tokenizer name → the input that provides its tokenizer.json.
        var tokenizers = [String: StepInput]()
        var teacherModel: StepInput?
        var teacherTokenizer: StepInput?
        var cache: StepInput?

        var spec: PipelineSpec { planner.spec }

        func directory(_ relative: String) -> String { planner.outputDirectory + "/" + relative }

        mutating func add(_ step: PlannedStep) { steps.append(step) }

        /// A file or directory inside another step's output.
        func product(of step: PlannedStep, _ relative: String?, as name: String) -> StepInput {
            StepInput(name: name, path: relative.map { step.outputDirectory + "/" + $0 } ?? step.outputDirectory,
                      hash: relative.map { step.hash + "/" + $0 } ?? step.hash, producer: step.name)
        }

        func external(_ path: String, as name: String, directory: Bool = false) throws -> StepInput {
            StepInput(name: name, path: path, hash: directory ? try ContentHash.directory(path) : try ContentHash.file(path),
                      producer: nil)
        }

        mutating func build() throws {
            let data = try dataStep()
            add(data)
            func split(_ name: String, as role: String = "data") -> StepInput {
                product(of: data, StepProducts.dataSplit(name), as: role)
            }

            for entry in spec.tokenizers.entries {
                switch entry.value.source {
                case .file(let path):
                    tokenizers[entry.name] = try external(planner.file.resolve(path), as: "tokenizer")
                case .train(let train):
                    let step = PlannedStep(
                        name: "tokenizer.\(entry.name)", kind: .tokenizerTrain, task: .trainTokenizer(train),
                        config: ["vocab_size": .int(train.vocabSize), "split": .string(train.split.value)],
                        inputs: [split(train.split.value)], outputDirectory: directory("tokenizers/\(entry.name)"))
                    add(step)
                    tokenizers[entry.name] = product(of: step, StepProducts.tokenizer, as: "tokenizer")
                }
            }

            if let teacher = spec.teacher {
                switch teacher.source {
                case .directory(let path):
                    let resolved = planner.file.resolve(path)
                    teacherModel = try external(resolved, as: "model", directory: true)
                    teacherTokenizer = try teacher.tokenizer.map { tokenizers[$0.value]! }
                        ?? external(resolved + "/tokenizer.json", as: "tokenizer")
                case .train(let model, var training):
                    training.seed = training.seed ?? spec.seed
                    let tokenizer = tokenizers[teacher.tokenizer!.value]!
                    let step = PlannedStep(
                        name: "teacher", kind: .teacherTrain, task: .trainTeacher(model: model, training: training),
                        config: ["model": model.config, "training": training.config],
                        inputs: [split("train"), tokenizer], outputDirectory: directory("teacher"))
                    add(step)
                    teacherModel = product(of: step, StepProducts.model, as: "model")
                    teacherTokenizer = tokenizer
                }
                tokenizers["teacher"] = teacherTokenizer
                if spec.cache != nil || spec.students.contains(where: { $0.loss.kind.needsCache }) {
                    let settings = spec.cache ?? .defaults
                    let step = PlannedStep(
                        name: "cache", kind: .teach, task: .teach(settings), config: settings.config,
                        inputs: [renamed(teacherModel!, "teacher"), teacherTokenizer!, split(settings.split.value)],
                        outputDirectory: directory("cache"))
                    add(step)
                    cache = product(of: step, nil, as: "cache")
                }
            }

            var models = [String: (model: StepInput, tokenizer: StepInput)]()
            if let teacherModel, let teacherTokenizer { models["teacher"] = (teacherModel, teacherTokenizer) }
            var trained = [StepInput]()
            if let teacherStep = steps.first(where: { $0.name == "teacher" }) {
                trained.append(product(of: teacherStep, nil, as: "teacher"))
            }
            for var student in spec.students {
                student.training.seed = student.training.seed ?? spec.seed
                let tokenizer = tokenizers[student.tokenizer.value]!
                var inputs = [split("train"), tokenizer]
                if student.loss.kind.needsCache { inputs.append(cache!) }
                let step = PlannedStep(
                    name: "student.\(student.name.value)", kind: .distill, task: .distill(student),
                    config: ["model": student.model.config, "training": student.training.config, "loss": student.loss.config],
                    inputs: inputs, outputDirectory: directory("students/\(student.name.value)"))
                add(step)
                models[student.name.value] = (product(of: step, StepProducts.model, as: "model"), tokenizer)
                trained.append(product(of: step, nil, as: step.name))
            }

            var evaluations = [StepInput]()
            let allModels = (spec.teacher == nil ? [] : ["teacher"]) + spec.students.map(\.name.value)
            for evaluation in spec.evaluations {
                for model in evaluation.models?.map(\.value) ?? allModels {
                    let (modelInput, tokenizer) = models[model]!
                    let step = PlannedStep(
                        name: "eval.\(evaluation.name.value).\(model)", kind: .evaluate,
                        task: .evaluate(evaluation, model: model), config: evaluation.config,
                        inputs: [modelInput, tokenizer, split(evaluation.split.value)],
                        outputDirectory: directory("eval/\(evaluation.name.value)/\(model)"))
                    add(step)
                    evaluations.append(product(of: step, nil, as: step.name))
                }
            }

            if !spec.evaluations.isEmpty {
                let title = spec.report?.title ?? spec.name.value
                let baseline = spec.report?.baseline?.value ?? spec.students.first { $0.loss.kind == .sft }?.name.value
                add(PlannedStep(
                    name: "report", kind: .report, task: .report(title: title, baseline: baseline),
                    config: ["title": .string(title), "baseline": .optional(baseline.map(ConfigValue.string))],
                    inputs: evaluations + trained, outputDirectory: directory("report")))
            }
        }

        func renamed(_ input: StepInput, _ name: String) -> StepInput {
            var copy = input
            copy.name = name
            return copy
        }

        func dataStep() throws -> PlannedStep {
            let data = spec.data
            switch data.source {
            case .demo(let demo):
                let config = demo.config(seed: spec.seed)
                return PlannedStep(name: "data", kind: .dataDemo, task: .generateDemo(config), config: config.configValue,
                                   inputs: [], outputDirectory: directory("data"))
            case .imports(let sources):
                let inputs = try sources.enumerated().map { index, source in
                    try external(planner.file.resolve(source.path), as: "source[\(index)]")
                }
                return PlannedStep(
                    name: "data", kind: .dataImport, task: .importData(sources: sources, salt: data.salt),
                    config: ["sources": .list(sources.map(\.config)), "salt": .string(data.salt)],
                    inputs: inputs, outputDirectory: directory("data"))
            }
        }
    }
}
