/// How the teacher's next-byte distributions are computed (methods.md §2).
public struct ByteBeamSettings: Sendable, Equatable, Codable {
    public enum Mode: String, Sendable, Codable, CaseIterable {
        /// The byte beam with spawning: exact when `width` is unlimited and `relativeThreshold` 0.
        case beam
        /// Condition on the canonical tokenization only (K = 1, no spawning): no extra teacher
        /// evaluations, but inside a multi-byte teacher token the target leaks the true next byte.
        case singlePass = "single-pass"
    }

    public var mode: Mode
    /// K, the number of hypotheses kept per byte offset; `Int.max` for no limit (exact mode).
    public var width: Int
    /// Hypotheses lighter than this fraction of the heaviest are dropped (0 keeps all).
    public var relativeThreshold: Double

    public init(mode: Mode = .beam, width: Int = 4, relativeThreshold: Double = 1e-3) {
        precondition(width >= 1 && relativeThreshold >= 0 && relativeThreshold < 1)
        self.mode = mode
        self.width = width
        self.relativeThreshold = relativeThreshold
    }

    /// Unlimited width and no threshold: equal to brute-force enumeration of cover encodings.
    public static let exact = ByteBeamSettings(mode: .beam, width: .max, relativeThreshold: 0)
    public static let singlePass = ByteBeamSettings(mode: .singlePass, width: 1, relativeThreshold: 0)
}

/// The 257 next-byte symbols: byte values 0...255 and END (end of sequence).
public enum ByteSymbol {
    public static let count = 257
    public static let end = 256
}
