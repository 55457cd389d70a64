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

/// The loss of a training step, computed outside the model from its outputs.
///
/// The trainer calls, per micro-batch: `model.forward`, then `lossAndGradient`, which writes
/// d loss/d logits into `pass.logits` (in place) and, if `usesHiddenGradient`, d loss/d hidden
/// into `hiddenGradient`, both already divided by `normalizer` (the step's total weight). Extra
/// trainable parameters (a byte-decoder head) add their own gradients here.
public protocol TrainingObjective {
    associatedtype Batch
    func tokens(of batch: Batch) -> TokenBatch
    /// The micro-batch's weight in the step's mean (e.g. its number of counted targets).
    func weight(of batch: Batch) -> Double
    var usesHiddenGradient: Bool { get }
    /// Returns unnormalised sums over the micro-batch.
    func lossAndGradient(pass: ForwardPass, batch: Batch, hiddenGradient: UnsafeMutableBufferPointer<Float>?,
                         normalizer: Double) throws -> LossTerms
}

/// Next-token cross-entropy on the counted targets: causal-LM pretraining and supervised
/// fine-tuning (targets only on response tokens) alike. Logged as "ce".
public struct CrossEntropyObjective: TrainingObjective {
    public init() {}

    public func tokens(of batch: TokenBatch) -> TokenBatch { batch }
    public func weight(of batch: TokenBatch) -> Double { Double(batch.countedTargets) }
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
