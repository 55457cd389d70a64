import Foundation

/// A linear axis over a data range with ticks at "nice" round values (1, 2, 2.5 or 5 × 10ⁿ). The
/// domain is extended to the enclosing ticks, or (`tight`) kept to the data with the ticks inside.
///
///     let axis = AxisScale(low: 0.13, high: 2.87)      // domain 0…3, ticks 0, 1, 2, 3
///     axis.position(1.5, from: 300, to: 20)            // pixel of 1.5 on a y axis drawn upwards
struct AxisScale {
    let low: Double
    let high: Double
    let ticks: [Double]
    let step: Double

    init(low dataLow: Double, high dataHigh: Double, targetTicks: Int = 6, tight: Bool = false) {
        var low = dataLow.isFinite ? dataLow : 0
        var high = dataHigh.isFinite ? dataHigh : 1
        if low > high { swap(&low, &high) }
        if high - low < 1e-12 * max(1, abs(high)) {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= pad
            high += pad
        }
        let step = Self.niceStep((high - low) / Double(max(1, targetTicks - 1)))
        let firstTick = (low / step).rounded(tight ? .up : .down) * step
        let lastTick = (high / step).rounded(tight ? .down : .up) * step
        let count = max(0, Int(((lastTick - firstTick) / step).rounded()) + 1)
        self.step = step
        self.low = tight ? low : firstTick
        self.high = tight ? high : lastTick
        ticks = (0..<count).map { firstTick + Double($0) * step }
    }

    /// The smallest of 1, 2, 2.5, 5 × 10ⁿ that is at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        for factor in [1.0, 2.0, 2.5, 5.0, 10.0] where factor * magnitude >= raw * (1 - 1e-9) {
            return factor * magnitude
        }
        return 10 * magnitude
    }

    /// The pixel of `value` when `low` maps to `start` and `high` to `end`.
    func position(_ value: Double, from start: Double, to end: Double) -> Double {
        start + (value - low) / (high - low) * (end - start)
    }

    /// A tick label with as many decimals as the step needs; thousands as `k`.
    func label(_ value: Double) -> String {
        let value = abs(value) < step * 1e-9 ? 0 : value
        if value != 0 && max(abs(low), abs(high)) >= 10_000 && step >= 1000 {
            let thousands = value / 1000
            return thousands == thousands.rounded() ? "\(Int(thousands))k" : String(format: "%.1fk", thousands)
        }
        // As many decimals as the step has (0.25 → 2, 0.5 → 1, 20 → 0).
        let decimals = (0...6).first { digits in
            let scaled = step * pow(10, Double(digits))
            return abs(scaled - scaled.rounded()) < 1e-6 * max(1, scaled)
        } ?? 6
        return String(format: "%.\(decimals)f", value)
    }
}
