import CTKDCore
import CTKDTensor

/// The seam where data-parallel training combines work across processes (ranks).
///
/// A step first sums its normalizer across ranks (so every rank divides by the global count),
/// then runs its micro-batches, then sums the gradients across ranks — after which every rank
/// holds the global mean gradient and takes the same optimizer step. An MPI implementation is two
/// all-reduces (sum) of Float64 vectors and of every parameter set's gradient arena. One process
/// needs neither: `SingleProcess`.
public protocol GradientReducer {
    /// Element-wise sums over all ranks (normalizer components, loss sums).
    func sum(_ values: [Double]) throws -> [Double]
    /// Replaces every gradient by its sum over all ranks.
    func sumGradients(_ parameterSets: [ParameterSet]) throws
}

/// The reducer of a single process: nothing to combine.
public struct SingleProcess: GradientReducer {
    public init() {}
    public func sum(_ values: [Double]) throws -> [Double] { values }
    public func sumGradients(_ parameterSets: [ParameterSet]) throws {}
}

/// What one optimizer step did.
public struct StepResult: Sendable {
    /// The step's mean loss (over all micro-batches and ranks), and each named term's mean.
    public var loss: Double
    public var terms: [String: Double]
    /// The global gradient norm before clipping.
    public var gradientNorm: Double
    /// Input tokens this process ran (including padding).
    public var tokens: Int
}

/// A model being trained, with the trainable parameters that live outside it (e.g. a byte-decoder
/// head) and one AdamW over all of them. A run may hold several trainees (students).
/// (`@unchecked Sendable` like `LanguageModel`: it may move between threads, one user at a time.)
public final class Trainee: @unchecked Sendable {
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
    ///     zero gradients; normalizer = Σ micro-batch normalizers, summed across ranks
    ///     for each micro-batch: forward → objective (loss, dlogits, dhidden) → backward (adds)
    ///     reducer.sumGradients              ← the data-parallel seam
    ///     clip the global norm → AdamW update at `learningRate`
    public func step<Objective: TrainingObjective>(
        microBatches: [Objective.Batch], objective: Objective, learningRate: Double,
        maxGradientNorm: Double? = nil, reducer: any GradientReducer = SingleProcess()
    ) throws -> StepResult {
        optimizer.zeroGradients()
        let local = microBatches.reduce(Objective.Normalizer.zero) { $0 + objective.normalizer(of: $1) }
        let normalizer = Objective.Normalizer(components: try reducer.sum(local.components))
        var sums = LossTerms(total: 0), tokens = 0
        for batch in microBatches {
            let input = objective.tokens(of: batch)
            let pass = try Profiler.measure("forward") {
                try model.forward(tokens: input.tokens, batch: input.batch, time: input.time)
            }
            let hiddenGradient = objective.usesHiddenGradient ? FloatBuffer(count: pass.hidden.count) : nil
            let loss = try Profiler.measure("loss") {
                try objective.lossAndGradient(pass: pass, batch: batch, hiddenGradient: hiddenGradient?.buffer,
                                              normalizer: normalizer)
            }
            Profiler.measure("backward") {
                model.backward(logitsGradient: pass.logits.baseAddress!, hiddenGradient: hiddenGradient.map { UnsafePointer($0.pointer) })
            }
            sums.total += loss.total
            for (key, value) in loss.terms { sums.terms[key, default: 0] += value }
            tokens += input.batch * input.time
        }
        // ── data-parallel seam: every rank now holds its gradient sums over the global normalizer ──
        try reducer.sumGradients(parameterSets)
        let keys = sums.terms.keys.sorted()
        let reduced = try reducer.sum([sums.total] + keys.map { sums.terms[$0]! })
        sums = LossTerms(total: reduced[0], terms: Dictionary(uniqueKeysWithValues: zip(keys, reduced.dropFirst())))
        let norm = Profiler.measure("optimizer") { () -> Double in
            let norm = maxGradientNorm.map { optimizer.clipGradients(maxNorm: $0) } ?? optimizer.gradientNorm()
            optimizer.update(learningRate: learningRate)
            return norm
        }
        let means = objective.means(of: sums, normalizer: normalizer)
        return StepResult(loss: means.total, terms: means.terms, gradientNorm: norm, tokens: tokens)
    }
}
