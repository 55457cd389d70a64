import CTKDCore
import CTKDTensor

/// A decoder-only language model (GPT-2 or Llama) with hand-written forward and backward passes.
///
/// Training is a sequence of explicit calls, so that the loss can live outside the model:
///
///     let pass = try model.forward(tokens: tokens, batch: B, time: T)   // logits (B,T,V), hidden (B,T,C)
///     let loss = objective(pass)                      // writes dlogits into pass.logits (in place)
///     model.backward(logitsGradient: pass.logits.baseAddress!, hiddenGradient: dHidden)
///     // … all-reduce gradients here …
///     optimizer.step(learningRate: lr)
///
/// Inference runs through a `KVCache` (`forward(segments:cache:)`, `Generator`, `prefillLogProbs`).
///
/// A model holds its activations between `forward` and `backward`, so one model object is used by
/// one thread at a time; its kernels use every core inside each call. (`@unchecked Sendable`
/// lets a stage move a model to another task; it is never shared between concurrent callers.)
public final class LanguageModel: @unchecked Sendable {
    public let config: ModelConfig
    /// All weights, in one arena; gradients in a second arena of the same layout.
    public let parameters: ParameterSet
    let layout: ModelLayout
    var rotary: RotaryTable?
    var training: TrainingActivations?
    var trainingGradients: TrainingGradients?
    var workspace: InferenceWorkspace?
    /// The `config.json` object the model was loaded from, kept for `save`.
    var sourceConfig: [String: Any]?

    /// A model with zero weights; call `initializeWeights(seed:)` or load a checkpoint into it.
    /// `name` names its parameter set in checkpoints that hold several models.
    public init(config: ModelConfig, name: String = "model") throws {
        try config.validate()
        self.config = config
        layout = ModelLayout(config)
        parameters = ParameterSet(name: name, tensors: layout.tensors)
        if config.usesRotaryPositions {
            rotary = RotaryTable(headSize: config.headSize, theta: config.ropeTheta, positions: config.contextLength)
        }
    }

    /// A new model with GPT-2's initialisation: matrices and embeddings N(0, σ²) with
    /// σ = `initializerRange`, the residual output projections σ/√(2L) (GPT-2 only, as in
    /// transformers), biases 0, norm weights 1.
    public convenience init(config: ModelConfig, seed: UInt64, name: String = "model") throws {
        try self.init(config: config, name: name)
        initializeWeights(seed: seed)
    }

    public func initializeWeights(seed: UInt64) {
        typealias N = ModelLayout.Name
        let std = Float(config.initializerRange)
        let residualScale: Float = config.architecture == .gpt2 ? 1 / Float(2 * config.layers).squareRoot() : 1
        parameters.initialize(seed: seed, standardDeviation: { tensor in
            switch tensor.name {
            case N.tokenEmbedding, N.positionEmbedding, N.qkvWeight, N.fcWeight, N.lmHead: std
            case N.attentionOutputWeight, N.projectionWeight: std * residualScale
            default: nil
            }
        }, constant: { tensor in tensor.name.hasSuffix("weight") ? 1 : 0 })
    }

    var values: ModelTensors { ModelTensors(parameters, base: parameters.values.pointer, config: config) }
    var gradients: ModelTensors { ModelTensors(parameters, base: parameters.gradients.pointer, config: config) }

    /// Throws when a token id is outside the vocabulary or a position outside the model's range.
    func checkInputs(_ tokens: UnsafeBufferPointer<Int32>, maximumPosition: Int) throws {
        let vocabulary = Int32(config.vocabularySize)
        if let bad = tokens.firstIndex(where: { $0 < 0 || $0 >= vocabulary }) {
            throw CTKDError("token id \(tokens[bad]) at index \(bad) is outside the vocabulary (0..<\(vocabulary))")
        }
        if config.usesLearnedPositions && maximumPosition >= config.contextLength {
            throw CTKDError("position \(maximumPosition) is beyond the model's \(config.contextLength) learned positions")
        }
        if config.usesRotaryPositions, rotary!.positions <= maximumPosition {
            rotary!.grow(to: max(maximumPosition + 1, 2 * rotary!.positions))
        }
    }
}
