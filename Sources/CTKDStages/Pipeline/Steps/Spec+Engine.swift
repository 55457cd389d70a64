import CTKDModels

// The pipeline's model and training settings in the engine's terms; shared by every step that
// trains a model (teacher, students).

extension ModelSpec {
    /// The engine's configuration for a new model with this shape over a tokenizer's vocabulary.
    public func modelConfig(vocabularySize: Int, endOfSequence: Int32?) throws -> ModelConfig {
        let config = ModelConfig(architecture: architecture == .gpt2 ? .gpt2 : .llama, vocabularySize: vocabularySize,
                                 contextLength: contextLength, layers: layers, dim: dModel, heads: heads,
                                 kvHeads: kvHeads, ffnDim: dFF, eosTokenIds: endOfSequence.map { [Int($0)] } ?? [])
        try config.validate()
        return config
    }
}

extension TrainingSpec {
    /// The engine's options: windows of the model's context length, cosine/linear decay to a tenth
    /// of the peak, weight decay on matrices, a checkpoint every 50 steps and a log line every step.
    public func trainingOptions(sequenceLength: Int, defaultSeed: UInt64) -> TrainingOptions {
        var options = TrainingOptions()
        options.steps = steps
        options.batchSize = batchSize
        options.sequenceLength = sequenceLength
        options.learningRate = learningRate
        options.minimumLearningRate = learningRate / 10
        options.warmupSteps = warmupSteps
        options.schedule = switch schedule {
        case .cosine: .cosine
        case .linear: .linear
        case .constant: .constant
        }
        options.optimizer = AdamWConfig(weightDecay: Float(weightDecay))
        options.gradientClip = gradClip > 0 ? gradClip : nil
        options.seed = seed ?? defaultSeed
        options.checkpointInterval = 50
        options.logInterval = 1
        return options
    }
}
