import CTKDCore
import CTKDTensor

/// A micro-batch of token sequences: inputs (B, T) and, per position, the token it should
/// predict (−1 where nothing is predicted: padding, prompt tokens, the last position).
public struct TokenBatch: Sendable, Equatable {
    public var batch: Int
    public var time: Int
    public var tokens: [Int32]
    public var targets: [Int32]

    public init(batch: Int, time: Int, tokens: [Int32], targets: [Int32]) {
        precondition(tokens.count == batch * time && targets.count == batch * time, "batch shape mismatch")
        self.batch = batch
        self.time = time
        self.tokens = tokens
        self.targets = targets
    }

    public var countedTargets: Int { targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }
}

/// Loss values of one micro-batch, summed over what it counts (the step divides by the weight).
public struct LossTerms: Sendable, Equatable {
    public var total: Double
    /// Named parts, e.g. ["ce": …, "kl": …] (the keys of the metrics log).
    public var terms: [String: Double]

    public init(total: Double, terms: [String: Double] = [:]) {
        self.total = total
        self.terms = terms
    }
}

/// What a step's mean is taken over, summed across micro-batches and (data-parallel) ranks: a
/// count of target tokens for cross-entropy, several counts for a distillation objective.
public protocol StepNormalizer: Sendable {
    static var zero: Self { get }
    static func + (lhs: Self, rhs: Self) -> Self
    /// The numbers a data-parallel reducer sums across ranks, and back.
    var components: [Double] { get }
    init(components: [Double])
}

extension Double: StepNormalizer {
    public var components: [Double] { [self] }
    public init(components: [Double]) { self = components[0] }
}

/// The loss of a training step, computed outside the model from its outputs.
///
/// The trainer calls, per micro-batch: `model.forward`, then `lossAndGradient`, which writes
/// d loss/d logits into `pass.logits` (in place) and, if `usesHiddenGradient`, d loss/d hidden
/// into `hiddenGradient`, both for the mean over the step's whole `normalizer` (all micro-batches
/// and ranks), and returns unnormalised sums. Extra trainable parameters (a byte-decoder head) add
/// their own gradients here.
public protocol TrainingObjective {
    associatedtype Batch
    associatedtype Normalizer: StepNormalizer = Double
    func tokens(of batch: Batch) -> TokenBatch
    /// This micro-batch's share of the step's normalizer (e.g. its number of counted targets).
    func normalizer(of batch: Batch) -> Normalizer
    var usesHiddenGradient: Bool { get }
    /// Returns the micro-batch's loss sums: `total` and one entry per named term.
    func lossAndGradient(pass: ForwardPass, batch: Batch, hiddenGradient: UnsafeMutableBufferPointer<Float>?,
                         normalizer: Normalizer) throws -> LossTerms
    /// The step's means from its summed loss terms (what the metrics log shows).
    func means(of sums: LossTerms, normalizer: Normalizer) -> LossTerms
}

extension TrainingObjective where Normalizer == Double {
    public func means(of sums: LossTerms, normalizer: Double) -> LossTerms {
        let scale = 1 / max(normalizer, 1)
        return LossTerms(total: sums.total * scale, terms: sums.terms.mapValues { $0 * scale })
    }
}

/// Next-token cross-entropy on the counted targets: causal-LM pretraining and supervised
/// fine-tuning (targets only on response tokens) alike. Logged as "ce".
public struct CrossEntropyObjective: TrainingObjective {
    public init() {}

    public func tokens(of batch: TokenBatch) -> TokenBatch { batch }
    public func normalizer(of batch: TokenBatch) -> Double { Double(batch.countedTargets) }
    public var usesHiddenGradient: Bool { false }

    public func lossAndGradient(pass: ForwardPass, batch: TokenBatch, hiddenGradient: UnsafeMutableBufferPointer<Float>?,
                                normalizer: Double) throws -> LossTerms {
        let rows = batch.batch * batch.time
        var losses = [Float](repeating: 0, count: rows)
        CrossEntropy.forwardBackward(losses: &losses, logits: pass.logits.baseAddress!, targets: batch.targets, rows: rows,
                                     vocabulary: pass.logits.count / rows, gradientScale: Float(1 / max(normalizer, 1)))
        let sum = losses.reduce(0.0) { $0 + Double($1) }
        return LossTerms(total: sum, terms: ["ce": sum])
    }
}
