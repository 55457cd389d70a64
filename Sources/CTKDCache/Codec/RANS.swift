/// Static-model rANS (range asymmetric numeral systems, Duda 2013; 32-bit state with 16-bit
/// renormalisation as in ryg_rans' word variant): symbols coded with fixed per-context frequency tables at 12-bit precision, so a
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
    /// The state lives in [lowerBound, 2^32); renormalisation moves 16 bits at a time, so a
    /// decoded symbol reads at most one word (one predictable branch, no loop).
    static let lowerBound: UInt32 = 1 << 16
}

/// One context's symbol frequencies, normalised to sum to `RANS.precision`, every symbol ≥ 1
/// (so any symbol can be coded, however rare).
public struct RANSTable: Sendable, Equatable {
    public let frequencies: [UInt32]
    public let starts: [UInt32]

    /// Scales `counts` (one per symbol, any non-negative numbers) to frequencies summing to
    /// `RANS.precision`, each at least 1; rounding is settled on the most frequent symbols.
    public init(counts: [Double]) {
        precondition(counts.count >= 2 && counts.count <= 256)
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
        for frequency in frequencies {
            starts.append(start)
            start += frequency
        }
        self.frequencies = frequencies
        self.starts = starts
    }

    public var alphabetSize: Int { frequencies.count }

    /// The decoder's form: cumulative frequencies (alphabet + 1 entries, the last = precision,
    /// then one 0xFFFF pad) and, per bucket of 16 slots, the first symbol that reaches into it
    /// (flag 0x80: more than three symbols do). ~450 bytes, so every
    /// table of a codec stays in L1/L2 cache (a 4096-entry slot table per context did not: the
    /// decoder's dependent loads then waited on L3 and memory).
    func decoderForm() -> (cumulative: [UInt16], buckets: [UInt8]) {
        let cumulative = starts.map { UInt16($0) } + [UInt16(RANS.precision), UInt16.max]
        var buckets = [UInt8](), symbol = 0
        for bucket in 0..<RANSSymbolTable.bucketCount {
            let first = bucket << RANSSymbolTable.bucketShift, last = first + (1 << RANSSymbolTable.bucketShift) - 1
            while Int(cumulative[symbol + 1]) <= first { symbol += 1 }
            var symbols = 1
            while Int(cumulative[symbol + symbols]) <= last { symbols += 1 }
            // More than three symbols in the bucket: the decoder scans (flag 0x80).
            buckets.append(UInt8(symbol) | (symbols > 3 ? 0x80 : 0))
        }
        return (cumulative, buckets)
    }
}

/// A table as the decoder reads it (pointers into `CodecTables`' buffers).
public struct RANSSymbolTable {
    static let bucketShift = 4
    static let bucketCount = RANS.precision >> bucketShift
    let cumulative: UnsafePointer<UInt16>
    let buckets: UnsafePointer<UInt8>
}

/// Collects symbols in order, then codes them backwards (rANS is last-in, first-out) so that the
/// decoder reads them forwards. Raw bits go to a separate bit stream stored backwards from the
/// end of the output, so the decoder reads them without waiting on the state (the streams meet
/// in the middle; no length field is needed).
public struct RANSEncoder {
    /// (start, frequency) of each coded symbol, in decoding order.
    var pending: [(start: UInt32, frequency: UInt32)] = []
    /// Raw bits, most significant first, in whole bytes; `bitBuffer` holds the last partial byte.
    var bitBytes: [UInt8] = []
    var bitBuffer: UInt64 = 0
    var bitCount = 0

    public init(capacity: Int = 0) { pending.reserveCapacity(capacity) }

    @inline(__always)
    public mutating func put(_ symbol: Int, table: RANSTable) {
        pending.append((table.starts[symbol], table.frequencies[symbol]))
    }

    /// The low `count` (≤ 32) bits of `value`, most significant first, to the bit stream.
    @inline(__always)
    public mutating func putBits(_ value: UInt64, count: Int) {
        precondition(count >= 0 && count <= 32)
        bitBuffer = bitBuffer << UInt64(count) | (value & ((1 << UInt64(count)) - 1))
        bitCount += count
        while bitCount >= 8 {
            bitCount -= 8
            bitBytes.append(UInt8(truncatingIfNeeded: bitBuffer >> UInt64(bitCount)))
        }
    }

    /// The coded bytes: the final state (4 bytes, little-endian), the renormalisation words (2
    /// bytes each, little-endian), then the bit stream's bytes in reverse order (its last byte
    /// zero-padded at the low end).
    public func finish() -> [UInt8] {
        var reversed = [UInt8]()
        reversed.reserveCapacity(pending.count + 8)
        var state = RANS.lowerBound
        for (start, frequency) in pending.reversed() {
            // state < 2^32 after coding requires state / frequency < 2^20 before.
            if UInt64(state) >= (UInt64(RANS.lowerBound) >> UInt64(RANS.precisionBits)) << 16 * UInt64(frequency) {
                reversed.append(UInt8(truncatingIfNeeded: state >> 8))   // reversed below: low byte first
                reversed.append(UInt8(truncatingIfNeeded: state))
                state >>= 16
            }
            state = (state / frequency) << UInt32(RANS.precisionBits) + state % frequency + start
        }
        var bits = bitBytes
        if bitCount > 0 { bits.append(UInt8(truncatingIfNeeded: bitBuffer << UInt64(8 - bitCount))) }
        var bytes = [UInt8]()
        bytes.reserveCapacity(reversed.count + bits.count + 4)
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: state >> UInt32(shift))) }
        bytes.append(contentsOf: reversed.reversed())
        bytes.append(contentsOf: bits.reversed())
        return bytes
    }
}

/// Reads what `RANSEncoder` wrote: rANS words forwards from the start, raw bits backwards from
/// the end. Reads past either end yield zeros and are reported by `finish()`, which also checks
/// that the state returned to its start and that the two streams met exactly: a damaged stream
/// is almost always an error (the row checksum catches damage first).
public struct RANSDecoder {
    let base: UnsafeRawBufferPointer
    var position: Int
    var state: UInt32
    var overrun = false
    /// The bit stream: the next byte to read is `base[bitPosition - 1]`; unread bits sit at the
    /// top of `bitBuffer`.
    var bitPosition: Int
    var bitBuffer: UInt64 = 0
    var bitCount = 0

    public init(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count >= 4 else { throw CacheFormatError("rANS stream shorter than its state") }
        base = bytes
        state = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        position = 4
        bitPosition = bytes.count
        guard state >= RANS.lowerBound else { throw CacheFormatError("rANS state out of range") }
    }

    @inline(__always)
    mutating func renormalised(_ state: UInt32) -> UInt32 {
        var x = state
        guard x < RANS.lowerBound else { return x }
        if position &+ 2 <= base.count {
            x = x << 16 | UInt32(base[position]) | UInt32(base[position &+ 1]) << 8
            position &+= 2
        } else {
            x = x << 16 | RANS.lowerBound   // past the end: keep going, finish() reports it
            overrun = true
        }
        return x
    }

    // The arithmetic below wraps (&*, &+): state < 2^32 and frequency ≤ 2^12 keep it in range,
    // and unchecked operations keep overflow branches out of the decoder's inner loop.
    @inline(__always)
    static func step(_ x: inout UInt32, _ table: RANSSymbolTable) -> Int {
        let slot = x & UInt32(RANS.precision - 1)
        let bucket = table.buckets[Int(slot >> UInt32(RANSSymbolTable.bucketShift))]
        var symbol = Int(bucket & 0x7F)
        if bucket & 0x80 == 0 {
            // At most three symbols share the bucket: pick among them without branches (the
            // cumulative table is padded, so symbol + 2 is always readable).
            symbol &+= (UInt32(table.cumulative[symbol &+ 1]) <= slot ? 1 : 0) &+ (UInt32(table.cumulative[symbol &+ 2]) <= slot ? 1 : 0)
        } else {
            // cumulative[alphabet] = precision > slot: the scan stops, whatever the state.
            while UInt32(table.cumulative[symbol &+ 1]) <= slot { symbol &+= 1 }
        }
        let start = UInt32(table.cumulative[symbol])
        x = (UInt32(table.cumulative[symbol &+ 1]) &- start) &* (x >> UInt32(RANS.precisionBits)) &+ slot &- start
        return symbol
    }

    @inline(__always)
    public mutating func get(_ table: RANSSymbolTable) -> Int {
        var x = state
        let symbol = RANSDecoder.step(&x, table)
        state = renormalised(x)
        return symbol
    }

    /// An integer coded by `RANSEncoder.putInteger`.
    @inline(__always)
    public mutating func getInteger(_ table: RANSSymbolTable) -> Int {
        let symbol = get(table)
        if symbol < 16 { return symbol }
        let bits = (symbol &- 16) >> 1 &+ 5
        return (2 | (symbol &- 16) & 1) << (bits &- 2) | Int(getBits(count: bits &- 2))
    }

    /// `count` (≤ 32) raw bits from the bit stream.
    @inline(__always)
    public mutating func getBits(count: Int) -> UInt64 {
        while bitCount < count {
            if bitPosition > 0 {
                bitPosition &-= 1
                bitBuffer |= UInt64(base[bitPosition]) << UInt64(56 &- bitCount)
            } else {
                overrun = true
            }
            bitCount &+= 8
        }
        let value = count == 0 ? 0 : bitBuffer >> UInt64(64 &- count)
        bitBuffer = count == 64 ? 0 : bitBuffer << UInt64(count)
        bitCount &-= count
        return value
    }

    /// Throws unless the state is back where encoding began, the rANS bytes end exactly where
    /// the bit stream's begin, and the bit stream's padding is zero.
    public func finish(_ what: String) throws {
        guard !overrun, position == bitPosition, state == RANS.lowerBound, bitBuffer == 0 else {
            throw CacheFormatError("\(what): coded data does not decode cleanly (damaged or truncated)")
        }
    }
}
