#if canImport(Glibc)
import Glibc
#endif

extension TopKTargets {
    /// Position i's teacher distribution at temperature τ from the cache: the k entries plus the
    /// tail as one bucket, `softmax([logProbs_i…, log tailMass_i] / τ)`.
    ///
    /// At τ = 1 this is the teacher's distribution exactly (top-k probabilities and the tail mass,
    /// renormalised only if the cache's quantisation left them off 1). At τ ≠ 1 the tail is tempered
    /// as if it were one token: the true tempered tail spreads over many small tokens and is larger
    /// for τ > 1 (smaller for τ < 1), which a top-k cache cannot know.
    ///
    /// Writes k probabilities into `out` (0 for padding entries) and returns the tail bucket's.
    func temperedProbabilities(position: Int, inverseTemperature: Float, into out: UnsafeMutablePointer<Float>) -> Float {
        let base = position * k
        var maximum = -Double.infinity
        for entry in 0..<k where ids[base + entry] >= 0 {
            maximum = Swift.max(maximum, Double(logProbs[base + entry]) * Double(inverseTemperature))
        }
        let tail = Double(tailMass[position])
        let logTail = tail > 0 ? log(tail) * Double(inverseTemperature) : -Double.infinity
        maximum = Swift.max(maximum, logTail)
        if maximum == -.infinity {
            // No mass anywhere: an empty target contributes nothing.
            for entry in 0..<k { out[entry] = 0 }
            return 0
        }
        var total = logTail > -.infinity ? exp(logTail - maximum) : 0
        for entry in 0..<k {
            guard ids[base + entry] >= 0 else { out[entry] = 0; continue }
            let weight = exp(Double(logProbs[base + entry]) * Double(inverseTemperature) - maximum)
            out[entry] = Float(weight)
            total += weight
        }
        let inverseTotal = 1 / total
        for entry in 0..<k { out[entry] = Float(Double(out[entry]) * inverseTotal) }
        return logTail > -.infinity ? Float(exp(logTail - maximum) / total) : 0
    }
}
