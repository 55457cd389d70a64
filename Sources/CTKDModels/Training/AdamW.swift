import CTKDCore
import CTKDTensor
#if canImport(Glibc)
import Glibc
#endif

/// AdamW's hyper-parameters (the learning rate comes from the schedule at each step).
public struct AdamWConfig: Codable, Sendable, Equatable {
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    /// Decoupled weight decay, applied only to tensors marked `decays` (matrices; not norms,
    /// biases or embeddings).
    public var weightDecay: Float

    public init(beta1: Float = 0.9, beta2: Float = 0.95, epsilon: Float = 1e-8, weightDecay: Float = 0.1) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }
}

/// AdamW over any number of parameter sets (a model and the trainable parameters that live
/// outside it), computed exactly as `torch.optim.AdamW` does:
///
///     θ ← θ · (1 − lr·λ)                      (decaying tensors only)
///     m ← m + (1 − β₁)(g − m);  v ← β₂ v + (1 − β₂) g²
///     θ ← θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
public final class AdamW: @unchecked Sendable {
    public var config: AdamWConfig
    public let parameterSets: [ParameterSet]
    /// Updates done so far (t in the bias corrections).
    public internal(set) var step: Int = 0
    /// Per set: m (first moment) then v (second moment), each with the set's layout.
    let moments: [FloatBuffer]

    public init(parameterSets: [ParameterSet], config: AdamWConfig = AdamWConfig()) {
        self.config = config
        self.parameterSets = parameterSets
        moments = parameterSets.map { FloatBuffer(count: 2 * $0.values.count) }
    }

    public func zeroGradients() { parameterSets.forEach { $0.zeroGradients() } }

    /// √(Σ g²) over every gradient of every set.
    public func gradientNorm() -> Double {
        var total = 0.0
        for set in parameterSets {
            let gradients = set.gradients
            let chunks = 64
            var partials = [Double](repeating: 0, count: chunks)
            partials.withUnsafeMutableBufferPointer { partials in
                let out = UncheckedPointer(partials.baseAddress!)
                Parallel.forEach(chunks) { chunk in
                    let range = (gradients.count * chunk / chunks)..<(gradients.count * (chunk + 1) / chunks)
                    out.pointer[chunk] = VectorMath.sumOfSquares(gradients.pointer + range.lowerBound, count: range.count)
                }
            }
            total += partials.reduce(0, +)
        }
        return total.squareRoot()
    }

    /// Scales all gradients by min(1, maxNorm / (norm + 1e-6)) as `clip_grad_norm_` does and
    /// returns the norm before clipping.
    @discardableResult
    public func clipGradients(maxNorm: Double) -> Double {
        let norm = gradientNorm()
        let coefficient = maxNorm / (norm + 1e-6)
        if coefficient < 1 {
            for set in parameterSets { VectorMath.scale(set.gradients.pointer, count: set.gradients.count, by: Float(coefficient)) }
        }
        return norm
    }

    /// One AdamW update of every parameter from its gradient.
    public func update(learningRate: Double) {
        step += 1
        let (beta1, beta2, epsilon) = (config.beta1, config.beta2, config.epsilon)
        let correction1 = 1 - Glibc.pow(Double(beta1), Double(step))
        let correction2Root = (1 - Glibc.pow(Double(beta2), Double(step))).squareRoot()
        let stepSize = Float(learningRate / correction1)
        let inverseRoot = Float(1 / correction2Root)
        for (set, moment) in zip(parameterSets, moments) {
            let (values, gradients) = (UncheckedPointer(set.values.pointer), UncheckedPointer(set.gradients.pointer))
            let (m, v) = (UncheckedPointer(moment.pointer), UncheckedPointer(moment.pointer + set.values.count))
            for tensor in set.tensors {
                let decay: Float = tensor.decays ? 1 - Float(learningRate) * config.weightDecay : 1
                let base = tensor.offset
                Parallel.forEachChunk(tensor.count, minimumChunk: 1 << 15) { range in
                    var i = base + range.lowerBound
                    let end = base + range.upperBound
                    typealias V = VectorMath.Vector
                    while i + 8 <= end {
                        let g = VectorMath.load(gradients.pointer, i)
                        var mi = VectorMath.load(m.pointer, i)
                        var vi = VectorMath.load(v.pointer, i)
                        mi = mi + (g - mi) * (1 - beta1)
                        vi = vi * beta2 + g * g * (1 - beta2)
                        let denominator = vi.squareRoot() * inverseRoot + epsilon
                        let theta = VectorMath.load(values.pointer, i) * decay - stepSize * mi / denominator
                        VectorMath.store(mi, m.pointer, i)
                        VectorMath.store(vi, v.pointer, i)
                        VectorMath.store(theta, values.pointer, i)
                        i += 8
                    }
                    while i < end {
                        let g = gradients.pointer[i]
                        let mi = m.pointer[i] + (g - m.pointer[i]) * (1 - beta1)
                        let vi = v.pointer[i] * beta2 + g * g * (1 - beta2)
                        m.pointer[i] = mi
                        v.pointer[i] = vi
                        values.pointer[i] = values.pointer[i] * decay - stepSize * mi / (vi.squareRoot() * inverseRoot + epsilon)
                        i += 1
                    }
                }
            }
        }
    }
}
