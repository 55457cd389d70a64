/// Static-model rANS (range asymmetric numeral systems, Duda 2013; byte-wise renormalisation as
/// in ryg_rans): symbols coded with fixed per-context frequency tables at 12-bit precision, so a
/// symbol of probability p costs −log2 p bits up to rounding, with no per-frame table cost. The
/// cache's top-k, sampled and tokens parts are coded with it (schemas/README.md, "rANS streams").
///
///     var encoder = RANSEncoder()
///     encoder.put(3, table: tables[0]); encoder.putBits(5, count: 3)
///     let bytes = encoder.finish()
///     var decoder = try RANSDecoder(bytes)       // then get(table:), getBits(count:), finish()
public enum RANS {
    public static let precisionBits = 12
    public static let precision = 1 << precisionBits
    /// The state lives in [lowerBound, lowerBound << 8).
    static let lowerBound: UInt32 = 1 << 23
}

/// One context's symbol frequencies, normalised to sum to `RANS.precision`, every symbol ≥ 1
/// (so any symbol can be coded, however rare).
public struct RANSTable: Sendable, Equatable {
    public let frequencies: [UInt32]
    public let starts: [UInt32]
    /// Per slot (x mod precision): symbol in the low 8 bits, frequency << 8, slot − start << 20.
    let slots: [UInt32]

    /// Scales `counts` (one per symbol, any non-negative numbers) to frequencies summing to
    /// `RANS.precision`, each at least 1; rounding is settled on the most frequent symbols.
    public init(counts: [Double]) {
        precondition(counts.count >= 1 && counts.count <= 256 && counts.count <= RANS.precision)
        let total = counts.reduce(0, +)
        let free = RANS.precision - counts.count   // every symbol gets 1, the rest by count
        var frequencies = counts.map { count -> UInt32 in
            1 + UInt32(total > 0 ? (Double(free) * count / total).rounded(.down) : 0)
        }
        var missing = RANS.precision - Int(frequencies.reduce(0, +))
        let order = counts.indices.sorted { counts[$0] > counts[$1] || (counts[$0] == counts[$1] && $0 < $1) }
        var index = 0
        while missing > 0 {
            frequencies[order[index % order.count]] += 1
            missing -= 1
            index += 1
        }
        var starts = [UInt32](), start: UInt32 = 0
        var slots = [UInt32](repeating: 0, count: RANS.precision)
        for (symbol, frequency) in frequencies.enumerated() {
            starts.append(start)
            for slot in Int(start)..<Int(start + frequency) {
                slots[slot] = UInt32(symbol) | frequency << 8 | (UInt32(slot) - start) << 20
            }
            start += frequency
        }
        self.frequencies = frequencies
        self.starts = starts
        self.slots = slots
    }

    public var alphabetSize: Int { frequencies.count }
}

/// Collects symbols in order, then codes them backwards (rANS is last-in, first-out) so that the
/// decoder reads them forwards.
public struct RANSEncoder {
    /// (start, frequency) of each coded symbol, in coding order.
    var pending: [(start: UInt32, frequency: UInt32)] = []

    public init(capacity: Int = 0) { pending.reserveCapacity(capacity) }

    @inline(__always)
    public mutating func put(_ symbol: Int, table: RANSTable) {
        pending.append((table.starts[symbol], table.frequencies[symbol]))
    }

    /// `count` raw bits of `value` (uniform: each costs exactly one bit), high chunk first.
    @inline(__always)
    public mutating func putBits(_ value: UInt64, count: Int) {
        var remaining = count
        while remaining > 0 {
            let chunk = min(remaining, RANS.precisionBits)
            remaining -= chunk
            let part = UInt32(truncatingIfNeeded: (value >> UInt64(remaining)) & ((1 << UInt64(chunk)) - 1))
            let frequency = UInt32(1) << UInt32(RANS.precisionBits - chunk)
            pending.append((part * frequency, frequency))
        }
    }

    /// The coded bytes: the final state (4 bytes, little-endian) then the renormalisation bytes.
    public func finish() -> [UInt8] {
        var reversed = [UInt8]()
        reversed.reserveCapacity(pending.count + 8)
        var state = RANS.lowerBound
        for (start, frequency) in pending.reversed() {
            let limit = ((RANS.lowerBound >> UInt32(RANS.precisionBits)) << 8) * frequency
            while state >= limit {
                reversed.append(UInt8(truncatingIfNeeded: state))
                state >>= 8
            }
            state = (state / frequency) << UInt32(RANS.precisionBits) + state % frequency + start
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(reversed.count + 4)
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: state >> UInt32(shift))) }
        bytes.append(contentsOf: reversed.reversed())
        return bytes
    }
}

/// Reads what `RANSEncoder` wrote. Reads past the end yield zero bytes and are reported by
/// `finish()`, which also checks that the state returned to its start: a damaged stream is an
/// error, never silently different symbols (the row checksum catches damage first).
public struct RANSDecoder {
    let base: UnsafeRawBufferPointer
    var position: Int
    var state: UInt32
    var overrun = false

    public init(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count >= 4 else { throw CacheFormatError("rANS stream shorter than its state") }
        base = bytes
        state = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        position = 4
        guard state >= RANS.lowerBound && state < RANS.lowerBound << 8 else { throw CacheFormatError("rANS state out of range") }
    }

    @inline(__always)
    mutating func renormalise() {
        while state < RANS.lowerBound {
            if position < base.count {
                state = state << 8 | UInt32(base[position])
                position += 1
            } else {
                state <<= 8
                overrun = true
                if state == 0 { state = RANS.lowerBound }   // keep going; finish() reports it
            }
        }
    }

    @inline(__always)
    public mutating func get(_ table: UnsafePointer<UInt32>) -> Int {
        let entry = table[Int(state & UInt32(RANS.precision - 1))]
        state = (entry >> 8 & 0xFFF) * (state >> UInt32(RANS.precisionBits)) + (entry >> 20)
        renormalise()
        return Int(entry & 0xFF)
    }

    @inline(__always)
    public mutating func getBits(count: Int) -> UInt64 {
        var value: UInt64 = 0
        var remaining = count
        while remaining > 0 {
            let chunk = min(remaining, RANS.precisionBits)
            remaining -= chunk
            let shift = UInt32(RANS.precisionBits - chunk)
            let slot = state & UInt32(RANS.precision - 1)
            state = (UInt32(1) << shift) * (state >> UInt32(RANS.precisionBits)) + (slot & ((1 << shift) - 1))
            renormalise()
            value = value << UInt64(chunk) | UInt64(slot >> shift)
        }
        return value
    }

    /// Throws unless every byte was used exactly and the state is back where encoding began.
    public func finish(_ what: String) throws {
        guard !overrun, position == base.count, state == RANS.lowerBound else {
            throw CacheFormatError("\(what): coded data does not decode cleanly (damaged or truncated)")
        }
    }
}
