/// Log-probabilities as u8 codes of their distance below the most probable entry: fine steps
/// near the top (where the mass is), coarse steps further down, code 255 for probability 0.
///
/// With `fineStep` 1/16 nat up to `knee` 4 nats and `coarseStep` 1/4 nat beyond, the
/// quantisation KL on SmolLM2-135M top-64 rows is ~2e-4 nats per position (docs/cache.md);
/// decoders renormalise the entries to the stored mass, so the rounding is never a bias.
public struct LogProbQuantizer: Sendable, Equatable, Codable {
    public var fineStep: Double
    public var knee: Double
    public var coarseStep: Double

    public static let zeroCode: UInt8 = 255

    public init(fineStep: Double = 1.0 / 16, knee: Double = 4, coarseStep: Double = 1.0 / 4) {
        precondition(fineStep > 0 && coarseStep > 0 && knee >= 0)
        self.fineStep = fineStep
        self.knee = knee
        self.coarseStep = coarseStep
    }

    var kneeCode: Double { (knee / fineStep).rounded() }

    /// The code of an entry `distance` nats below the top (`.infinity` for probability 0).
    @inline(__always)
    public func code(distance: Double) -> UInt8 {
        if !distance.isFinite { return LogProbQuantizer.zeroCode }
        let value = distance <= knee
            ? (distance / fineStep).rounded()
            : kneeCode + ((distance - knee) / coarseStep).rounded()
        return UInt8(min(254, max(0, value)))
    }

    /// The distance below the top that a code stands for.
    public func distance(code: UInt8) -> Double {
        if code == LogProbQuantizer.zeroCode { return .infinity }
        let value = Double(code)
        return value <= kneeCode ? value * fineStep : knee + (value - kneeCode) * coarseStep
    }

    /// `-distance(code)` for every code, as Float (−infinity for the zero code): the decoder's table.
    public var logWeightTable: [Float] { (0...255).map { Float(-distance(code: UInt8($0))) } }
}
