import CTKDCore
import CTKDTensor

/// The seam where data-parallel training combines gradients across processes.
///
/// After backward, every parameter set holds this rank's gradient normalised by this rank's
/// weight. An MPI implementation all-reduces Σ weight·gradient and Σ weight and leaves
/// Σ weight·gradient / Σ weight in every set; it returns Σ weight. One process needs nothing.
public protocol GradientReducer {
    func allReduce(_ parameterSets: [ParameterSet], localWeight: Double) throws -> Double
}

/// The reducer of a single process: gradients are already final.
public struct SingleProcess: GradientReducer {
    public init() {}
    public func allReduce(_ parameterSets: [ParameterSet], localWeight: Double) throws -> Double { localWeight }
}

/// What one optimizer step did.
public struct StepResult: Sendable {
    /// Mean loss per unit of weight, and each named term likewise.
    public var loss: Double
    public var terms: [String: Double]
    /// The global gradient norm before clipping.
    public var gradientNorm: Double
    /// Input tokens processed (including padding).
    public var tokens: Int
    public var weight: Double
}

/// A model being trained, with the trainable parameters that live outside it (e.g. a byte-decoder
/// head) and one AdamW over all of them. A run may hold several trainees (students).
public final class Trainee {
    public let name: String
    public let model: LanguageModel
    public let extraParameters: [ParameterSet]
    public let optimizer: AdamW

    public init(name: String, model: LanguageModel, extraParameters: [ParameterSet] = [],
                optimizer config: AdamWConfig = AdamWConfig()) {
        self.name = name
        self.model = model
        self.extraParameters = extraParameters
        optimizer = AdamW(parameterSets: [model.parameters] + extraParameters, config: config)
    }

    public var parameterSets: [ParameterSet] { optimizer.parameterSets }

    /// One optimizer step over `microBatches` (gradient accumulation):
    ///
    ///     zero gradients
    ///     for each micro-batch: forward → objective (loss, dlogits, dhidden) → backward (adds)
    ///     reducer.allReduce              ← the data-parallel seam
    ///     clip the global norm → AdamW update at `learningRate`
    public func step<Objective: TrainingObjective>(
        microBatches: [Objective.Batch], objective: Objective, learningRate: Double,
        maxGradientNorm: Double? = nil, reducer: any GradientReducer = SingleProcess()
    ) throws -> StepResult {
        optimizer.zeroGradients()
        let weight = microBatches.reduce(0.0) { $0 + objective.weight(of: $1) }
        var total = 0.0, terms = [String: Double](), tokens = 0
        for batch in microBatches {
            let input = objective.tokens(of: batch)
            let pass = try Profiler.measure("forward") {
                try model.forward(tokens: input.tokens, batch: input.batch, time: input.time)
            }
            var hiddenGradient: FloatBuffer?
            if objective.usesHiddenGradient { hiddenGradient = FloatBuffer(count: pass.hidden.count) }
            let loss = try Profiler.measure("loss") {
                try objective.lossAndGradient(pass: pass, batch: batch, hiddenGradient: hiddenGradient?.buffer,
                                              normalizer: weight)
            }
            Profiler.measure("backward") {
                model.backward(logitsGradient: pass.logits.baseAddress!, hiddenGradient: hiddenGradient.map { UnsafePointer($0.pointer) })
            }
            total += loss.total
            for (key, value) in loss.terms { terms[key, default: 0] += value }
            tokens += input.batch * input.time
        }
        let globalWeight = try reducer.allReduce(parameterSets, localWeight: weight)
        let norm = Profiler.measure("optimizer") { () -> Double in
            let norm = maxGradientNorm.map { optimizer.clipGradients(maxNorm: $0) } ?? optimizer.gradientNorm()
            optimizer.update(learningRate: learningRate)
            return norm
        }
        let scale = 1 / max(weight, 1)
        return StepResult(loss: total * scale, terms: terms.mapValues { $0 * scale }, gradientNorm: norm,
                          tokens: tokens, weight: globalWeight)
    }
}
