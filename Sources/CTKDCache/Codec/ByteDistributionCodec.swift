/// The byte-distribution part (schemas/README.md, "byte_dist blob").
///
/// Most of a next-byte distribution's mass sits on a few symbols, so each offset stores the most
/// probable symbols until the rest weighs at most `remainderTolerance` (at most `maxSymbols`),
/// their quantised log-probs, and the remainder, which the decoder spreads evenly over the other
/// symbols. Symbols are stored relative to the true next symbol ((s − true) mod 257), which makes
/// the first symbol 0 at most offsets.
public enum ByteDistributionCodec {
    public struct Settings: Sendable, Equatable, Codable {
        public var quantizer: LogProbQuantizer
        public var maxSymbols: Int
        public var remainderTolerance: Double

        /// Next-byte distributions are flatter than top-k rows (much of their mass sits 2–8 nats
        /// down), so their quantiser grows its steps slowly: 1/16 nat at the top, 0.14 at 8 nats.
        public static let defaultQuantizer = LogProbQuantizer(topStep: 1.0 / 16, growth: 0.1, cap: 16)

        public init(quantizer: LogProbQuantizer = defaultQuantizer, maxSymbols: Int = 64, remainderTolerance: Double = 1e-4) {
            precondition(maxSymbols >= 1 && maxSymbols <= 255)
            self.quantizer = quantizer
            self.maxSymbols = maxSymbols
            self.remainderTolerance = remainderTolerance
        }
    }

    /// The true symbol at each offset: the response byte, END after the last.
    static func trueSymbol(_ response: [UInt8], _ offset: Int) -> Int {
        offset < response.count ? Int(response[offset]) : ByteSymbol.end
    }

    /// Sparsifies dense distributions ((L + 1) × 257) into `ByteTargets` (probabilities exact).
    public static func sparsify(_ dense: [Float], settings: Settings) -> ByteTargets {
        let count = dense.count / ByteSymbol.count
        var offsets: [Int32] = [0], symbols = [Int16](), probabilities = [Float](), remainder = [Float]()
        var order = Array(0..<ByteSymbol.count)
        for offset in 0..<count {
            let base = offset * ByteSymbol.count
            order.sort { dense[base + $0] > dense[base + $1] || (dense[base + $0] == dense[base + $1] && $0 < $1) }
            var rest = 0.0
            for symbol in order { rest += Double(dense[base + symbol]) }
            var taken = 0
            while taken < settings.maxSymbols && dense[base + order[taken]] > 0
                    && (taken == 0 || rest > settings.remainderTolerance) {
                let symbol = order[taken]
                symbols.append(Int16(symbol))
                probabilities.append(dense[base + symbol])
                rest -= Double(dense[base + symbol])
                taken += 1
            }
            remainder.append(Float(max(0, rest)))
            offsets.append(Int32(symbols.count))
        }
        return ByteTargets(offsets: offsets, symbols: symbols, probabilities: probabilities, remainder: remainder)
    }

    public static func encode(_ targets: ByteTargets, response: [UInt8], settings: Settings) -> [UInt8] {
        var counts = [UInt8](), low = [UInt8](), high = [UInt8](), codes = [UInt8]()
        for offset in 0..<targets.count {
            let range = Int(targets.offsets[offset])..<Int(targets.offsets[offset + 1])
            counts.append(UInt8(range.count))
            let truth = trueSymbol(response, offset)
            let top = Double(logf(targets.probabilities[range.lowerBound]))
            var previous: UInt8 = 0
            for index in range {
                let relative = (Int(targets.symbols[index]) - truth + ByteSymbol.count) % ByteSymbol.count
                low.append(UInt8(relative & 0xFF))
                high.append(UInt8(relative >> 8))
                let code = UInt8(settings.quantizer.code(distance: top - Double(logf(targets.probabilities[index]))))
                codes.append(code &- previous)   // codes ascend in rank order: store the steps
                previous = code
            }
        }
        var out = ByteWriter()
        out.varint(targets.count)
        out.varint(low.count)
        out.append(counts)
        out.append(low)
        out.append(high)
        out.append(codes)
        out.shuffledFloat32(targets.remainder)
        return out.bytes
    }

    public static func decode(_ payload: UnsafeRawBufferPointer, response: [UInt8], settings: Settings) throws -> ByteTargets {
        var reader = ByteReader(payload)
        let count = try reader.count(max: response.count + 1, "byte offsets")
        guard count == response.count + 1 else { throw CacheFormatError("byte part has \(count) offsets for a \(response.count)-byte response") }
        let entries = try reader.count(max: count * ByteSymbol.count, "byte entries")
        let counts = try reader.bytes(count)
        let low = try reader.bytes(entries), high = try reader.bytes(entries), codes = try reader.bytes(entries)
        let remainder = try reader.shuffledFloat32(count)
        try reader.expectEnd("byte part")
        let logWeights = settings.quantizer.logWeightTable
        var offsets: [Int32] = [0], symbols = [Int16](), probabilities = [Float]()
        symbols.reserveCapacity(entries)
        probabilities.reserveCapacity(entries)
        var index = 0
        for offset in 0..<count {
            let m = Int(counts[offset])
            guard m >= 1, index + m <= entries else { throw CacheFormatError("byte offset \(offset) has \(m) entries") }
            let truth = trueSymbol(response, offset)
            var code: UInt8 = 0, total: Float = 0
            let start = probabilities.count
            for _ in 0..<m {
                let relative = Int(low[index]) | Int(high[index]) << 8
                guard relative < ByteSymbol.count else { throw CacheFormatError("byte symbol out of range") }
                code = code &+ codes[index]
                guard Int(code) < logWeights.count else { throw CacheFormatError("byte code out of range") }
                let weight = expf(logWeights[Int(code)])
                symbols.append(Int16((relative + truth) % ByteSymbol.count))
                probabilities.append(weight)
                total += weight
                index += 1
            }
            let head = 1 - min(max(remainder[offset], 0), 1)
            let scale = total > 0 ? head / total : 0
            for entry in start..<probabilities.count { probabilities[entry] *= scale }
            offsets.append(Int32(symbols.count))
        }
        guard index == entries else { throw CacheFormatError("byte part has \(entries - index) unused entries") }
        return ByteTargets(offsets: offsets, symbols: symbols, probabilities: probabilities, remainder: remainder)
    }

    /// KL(original ‖ decoded) at each offset between the dense original and the decoded sparse
    /// distribution (sparsification and quantisation together).
    public static func reconstructionKL(original dense: [Float], decoded: ByteTargets) -> [Double] {
        (0..<decoded.count).map { offset in
            let q = decoded.dense(at: offset)
            var kl = 0.0
            for symbol in 0..<ByteSymbol.count {
                let p = Double(dense[offset * ByteSymbol.count + symbol])
                if p > 0 { kl += p * log(p / max(Double(q[symbol]), 1e-38)) }
            }
            return kl
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
