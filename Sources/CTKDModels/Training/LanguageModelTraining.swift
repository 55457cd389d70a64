import Foundation
import CTKDCore
import CTKDTensor

/// Hyper-parameters of `ctkd train`.
public struct TrainingOptions: Codable, Sendable, Equatable {
    public var steps = 1000
    public var batchSize = 8
    public var sequenceLength = 256
    public var gradientAccumulation = 1
    public var schedule = LearningRateSchedule.Kind.cosine
    public var learningRate = 3e-4
    public var minimumLearningRate = 3e-5
    public var warmupSteps = 100
    public var optimizer = AdamWConfig()
    /// Maximum global gradient norm (nil: no clipping).
    public var gradientClip: Double? = 1.0
    public var seed: UInt64 = 0
    public var checkpointInterval = 100
    public var logInterval = 1

    public init() {}

    public var learningRateSchedule: LearningRateSchedule {
        LearningRateSchedule(kind: schedule, peak: learningRate, minimum: minimumLearningRate,
                             warmupSteps: warmupSteps, totalSteps: steps)
    }
}

/// `ctkd train`: causal-LM pretraining or supervised fine-tuning of one model with the CE
/// objective, built from the same pieces the distillation stage uses (`Trainee.step`,
/// `TrainingRun`, `Checkpoint`, the metrics log).
///
/// The run directory holds `checkpoint.safetensors`, `metrics.jsonl` and, when done, `model/`
/// (a Hugging Face directory). Rerunning the same command resumes or, if finished, rewrites `model/`.
public enum LanguageModelTraining {
    public struct State: Codable, Sendable {
        public var cursor = DataCursor()
    }

    public struct Summary: Sendable {
        public var steps: Int
        public var resumedAt: Int?
        public var finalLoss: Double?
        public var modelDirectory: String
    }

    public static func run(model: LanguageModel, data: TrainingDataset, options: TrainingOptions, directory: String,
                           extraSettings: [String: String] = [:]) throws -> Summary {
        guard options.steps > 0, options.batchSize > 0, options.sequenceLength > 0, options.gradientAccumulation > 0 else {
            throw CTKDError("steps, batch size, sequence length and gradient accumulation must be positive")
        }
        if model.config.usesLearnedPositions && options.sequenceLength > model.config.contextLength {
            throw CTKDError("sequence length \(options.sequenceLength) exceeds the model's \(model.config.contextLength) positions")
        }
        let trainee = Trainee(name: "model", model: model, optimizer: options.optimizer)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var settings = extraSettings
        settings["model_config"] = String(decoding: try encoder.encode(model.config), as: UTF8.self)
        settings["options"] = String(decoding: try encoder.encode(options), as: UTF8.self)
        settings["data"] = data.fingerprint
        settings["threads"] = "\(Parallel.threadCount)"
        let run = try TrainingRun(directory: directory, trainees: [trainee], totalSteps: options.steps,
                                  checkpointInterval: options.checkpointInterval, settings: settings, initialState: State())
        run.logInterval = max(1, options.logInterval)
        let resumedAt = run.resumed ? run.completedSteps : nil
        let separator = model.config.eosTokenIds.first.map(Int32.init)
        var languageModeling: LanguageModelingData?
        var supervised: SupervisedData?
        switch data {
        case .languageModeling(let documents):
            languageModeling = try LanguageModelingData(documents: documents, separator: separator,
                                                        time: options.sequenceLength, seed: options.seed)
        case .supervised(let examples):
            supervised = try SupervisedData(examples: examples, endOfSequence: separator, time: options.sequenceLength,
                                            seed: options.seed)
        }
        let schedule = options.learningRateSchedule
        let objective = CrossEntropyObjective()
        var lastLoss: Double?
        try run.run { step, state in
            var batches = [TokenBatch]()
            for _ in 0..<options.gradientAccumulation {
                if languageModeling != nil {
                    batches.append(languageModeling!.nextBatch(size: options.batchSize, cursor: &state.cursor))
                } else {
                    batches.append(supervised!.nextBatch(size: options.batchSize, cursor: &state.cursor))
                }
            }
            let rate = schedule.rate(at: step)
            let result = try trainee.step(microBatches: batches, objective: objective, learningRate: rate,
                                          maxGradientNorm: options.gradientClip)
            lastLoss = result.loss
            var metrics = result.terms
            metrics["grad_norm"] = result.gradientNorm
            return StepReport(loss: result.loss, learningRate: rate, tokens: result.tokens, metrics: metrics)
        }
        let modelDirectory = directory + "/model"
        try model.save(directory: modelDirectory)
        return Summary(steps: run.completedSteps, resumedAt: resumedAt, finalLoss: lastLoss, modelDirectory: modelDirectory)
    }
}
