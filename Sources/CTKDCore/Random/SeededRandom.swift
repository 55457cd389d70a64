/// A fast, seedable random number generator whose whole state can be saved in a checkpoint and
/// restored, so that a resumed run draws exactly the numbers an uninterrupted run would have
/// (xoshiro256**, seeded through SplitMix64 as its authors recommend).
///
///     var rng = SeededRandom(seed: 42)
///     let x = rng.nextFloat()          // uniform in [0, 1)
///     let saved = rng.state            // store in a checkpoint
///     var resumed = SeededRandom(state: saved)
public struct SeededRandom: RandomNumberGenerator, Codable, Sendable, Equatable {
    public private(set) var state: [UInt64]

    public init(seed: UInt64) {
        var splitMix = seed
        state = (0..<4).map { _ in
            splitMix &+= 0x9E3779B97F4A7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
    }

    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 }, "invalid xoshiro256** state")
        self.state = state
    }

    public mutating func next() -> UInt64 {
        let result = (state[1] &* 5).rotatedLeft(7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = state[3].rotatedLeft(45)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Standard normal (Box–Muller; one of the pair is discarded so the state advances uniformly).
    public mutating func nextGaussian() -> Double {
        let u1 = max(nextDouble(), Double.leastNonzeroMagnitude)
        let u2 = nextDouble()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }

    /// Uniform integer in 0..<bound, without modulo bias.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next(upperBound: UInt64(bound)))
    }

    /// An independent generator for a sub-stream (e.g. one per worker), derived from this seed.
    public func derived(_ stream: UInt64) -> SeededRandom {
        SeededRandom(seed: state[0] ^ (stream &* 0xD1B54A32D192ED03) ^ state[3].rotatedLeft(17))
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Darwin
@inline(__always) func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
