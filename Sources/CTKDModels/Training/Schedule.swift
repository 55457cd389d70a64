#if canImport(Glibc)
import Glibc
#endif

/// The learning rate per optimizer step: linear warmup from peak/warmup to the peak, then
/// constant, cosine or linear decay to `minimum` at the last step.
///
///     let schedule = LearningRateSchedule(kind: .cosine, peak: 3e-4, minimum: 3e-5, warmupSteps: 100, totalSteps: 2000)
///     schedule.rate(at: 0)      // 3e-6
public struct LearningRateSchedule: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case constant, cosine, linear }

    public var kind: Kind
    public var peak: Double
    public var minimum: Double
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(kind: Kind, peak: Double, minimum: Double = 0, warmupSteps: Int = 0, totalSteps: Int) {
        self.kind = kind
        self.peak = peak
        self.minimum = minimum
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// The rate for 0-based `step`.
    public func rate(at step: Int) -> Double {
        if step < warmupSteps { return peak * Double(step + 1) / Double(warmupSteps) }
        let decaySteps = totalSteps - warmupSteps - 1
        let progress = decaySteps > 0 ? min(1, Double(step - warmupSteps) / Double(decaySteps)) : 1
        switch kind {
        case .constant: return peak
        case .cosine: return minimum + 0.5 * (peak - minimum) * (1 + cos(Double.pi * progress))
        case .linear: return peak - (peak - minimum) * progress
        }
    }
}
