import CTKDCore
import CTKDModels
import CTKDLosses

extension PipelineSteps {
    /// The student stage's step.
    public static let studentStage: [StepKind: any PipelineStep] = [.distill: DistillStep()]
}

/// `distill`: one student (`students:` entry) trained with its loss from the teacher cache (or,
/// for `sft`, from the train split), exported to `model/` with `metrics.jsonl` beside it. Resumes
/// through the run's checkpoint under `run/`.
struct DistillStep: PipelineStep {
    func run(_ step: PlannedStep, context: StepContext) throws {
        guard case .distill(let spec) = step.task else { throw context.wrongTask(step) }
        let name = spec.name.value
        let shape = StudentShape(architecture: spec.model.architecture == .llama ? .llama : .gpt2,
                                 layers: spec.model.layers, dim: spec.model.dModel, heads: spec.model.heads,
                                 kvHeads: spec.model.kvHeads, ffnDim: spec.model.dFF, context: spec.model.contextLength)
        let student = StudentDefinition(name: name, initialization: .new(shape), tokenizerPath: try context.path("tokenizer"),
                                        objective: Self.objective(spec.loss), seed: spec.training.seed ?? 0)
        let cachePath = spec.loss.kind.needsCache ? try context.path("cache") : nil
        var configuration = DistillConfiguration(cachePath: cachePath, dataPath: cachePath == nil ? try context.path("data") : nil,
                                                 students: [student], directory: context.outputDirectory + "/run")
        configuration.studentDirectories = [name: context.outputDirectory]
        configuration.options = Self.options(spec.training, sequenceLength: spec.model.contextLength)
        let summary = try DistillStage.run(configuration)
        let loss = summary.students.first?.finalLoss.map { String(format: "%.4f", $0) } ?? "?"
        StandardError.line("\(context.label): \(name) (\(spec.loss.kind.rawValue)) \(summary.steps) steps, final loss \(loss)")
    }

    static func options(_ training: TrainingSpec, sequenceLength: Int) -> TrainingOptions {
        var options = TrainingOptions()
        options.steps = training.steps
        options.batchSize = training.batchSize
        options.sequenceLength = sequenceLength
        options.learningRate = training.learningRate
        options.minimumLearningRate = training.learningRate / 10
        options.warmupSteps = training.warmupSteps
        switch training.schedule {
        case .cosine: options.schedule = .cosine
        case .linear: options.schedule = .linear
        case .constant: options.schedule = .constant
        }
        options.optimizer = AdamWConfig(weightDecay: Float(training.weightDecay))
        options.gradientClip = training.gradClip > 0 ? training.gradClip : nil
        options.seed = training.seed ?? 0
        options.checkpointInterval = max(1, min(100, training.steps / 10))
        return options
    }

    /// The pipeline's loss entry as the losses' configuration (keys not in the schema keep the
    /// losses' defaults).
    static func objective(_ loss: LossSpec) -> ObjectiveConfiguration {
        var objective = ObjectiveConfiguration(method: DistillationMethod(rawValue: loss.kind.rawValue)!)
        let alignment: AlignmentMode = loss.alignment == .index ? .index : .bytes
        if let weight = loss.weight.map(Float.init) {
            objective.kl.weight = weight
            objective.sampled.weight = weight
            objective.uld.weight = weight
            objective.mlot.weight = weight
        }
        objective.uld.alignment = alignment
        objective.mlot.alignment = alignment
        if let mlot = loss.mlot {
            objective.mlot.columns = mlot.topK
            objective.mlot.beta = Float(mlot.beta)
            objective.mlot.gamma = Float(mlot.gamma)
            objective.mlot.lambda = Float(mlot.sinkhornLambda)
            objective.mlot.iterations = mlot.sinkhornIterations
            objective.mlot.tokenTemperature = Float(mlot.tauSL)
            objective.mlot.sequenceTemperature = Float(mlot.tauSD)
        }
        if let bld = loss.bld {
            objective.bld.byteCount = bld.bytes
            objective.bld.byteCrossEntropyWeight = Float(bld.byteCEWeight)
            objective.bld.klWeight = Float(bld.klWeight)
        }
        return objective
    }
}
