#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Log-probabilities as codes of their distance d below the most probable entry, with steps that
/// grow with d: `topStep` nats at the top, e^(growth·d) times wider further down, one last code
/// for everything beyond `cap`, and a separate code for probability 0.
///
/// An entry's share of the KL of rounding is ~ p · step² / 24, and p falls as e^(−d), so steps
/// may grow as d does; growth 0.35 (rather than the KL-equalising 0.5) keeps the flat middle of
/// a top-64 row fine. On SmolLM2-135M top-64 rows the defaults (1/20 nat, 0.35, 16 nats: 58
/// codes) give a reconstruction KL of ~5e-4 nats per position (docs/cache.md has the trade-off).
///
///     let quantizer = LogProbQuantizer()
///     let code = quantizer.code(distance: 2.5)          // 33
///     let d = quantizer.distance(code: code)              // ≈ 2.5
public struct LogProbQuantizer: Sendable, Equatable, Codable {
    public var topStep: Double
    public var growth: Double
    public var cap: Double

    public init(topStep: Double = 1.0 / 20, growth: Double = 0.35, cap: Double = 16) {
        precondition(topStep > 0 && growth > 0 && cap > 0)
        self.topStep = topStep
        self.growth = growth
        self.cap = cap
        precondition(finiteCodes <= 255, "too many codes for one byte")
    }

    /// c(d) = (1 − e^(−growth·d)) / (growth · topStep): codes are c rounded.
    @inline(__always)
    func compand(_ distance: Double) -> Double { (1 - exp(-growth * distance)) / (growth * topStep) }

    func expand(_ value: Double) -> Double { -log(1 - growth * topStep * value) / growth }

    /// Codes 0 ..< finiteCodes stand for distances; `zeroCode` (= finiteCodes) for probability 0.
    public var finiteCodes: Int { Int((compand(cap) + 0.5).rounded(.down)) + 1 }
    public var zeroCode: Int { finiteCodes }

    @inline(__always)
    public func code(distance: Double) -> Int {
        guard distance.isFinite else { return zeroCode }
        return min(finiteCodes - 1, Int((compand(max(distance, 0)) + 0.5).rounded(.down)))
    }

    /// The distance a code stands for: the one whose e^(−d) is the mean of e^(−d) over the
    /// code's interval (d uniform there), so that rounding does not bias the mass.
    public func distance(code: Int) -> Double {
        if code >= zeroCode { return .infinity }
        let lower = code == 0 ? 0 : expand(Double(code) - 0.5)
        let upper = code == finiteCodes - 1 ? lower + 2 : expand(Double(code) + 0.5)
        return -log((exp(-lower) - exp(-upper)) / (upper - lower))
    }

    /// `−distance(code)` for every code including the zero code (−infinity): the decoder's table.
    public var logWeightTable: [Float] { (0...zeroCode).map { Float(-distance(code: $0)) } }
}
