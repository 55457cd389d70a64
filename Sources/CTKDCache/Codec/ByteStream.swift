import CTKDCore

/// An append-only byte buffer with the primitive encodings the cache codecs use: LEB128 varints,
/// little-endian fixed-width integers, and byte-shuffled Float32 bit patterns.
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    @inline(__always)
    public mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    @inline(__always)
    public mutating func varint(_ value: Int) {
        precondition(value >= 0, "varints are unsigned")
        varint(UInt64(value))
    }

    @inline(__always) public mutating func byte(_ value: UInt8) { bytes.append(value) }
    public mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }
    public mutating func append(_ other: UnsafeRawBufferPointer) { bytes.append(contentsOf: other) }
    public mutating func append(_ text: String.UTF8View) { bytes.append(contentsOf: text) }
    /// Empties the buffer, keeping its capacity (for reuse).
    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    public mutating func uint64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// Float32 bit patterns as four byte streams (lowest bytes first), for masses that can be
    /// far below Float16's range, which an earlier layout used (a tail of 1e-12 must not decode as 0: KL would be infinite).
    public mutating func shuffledFloat32(_ values: [Float]) {
        let bits = values.map(\.bitPattern)
        for shift in stride(from: UInt32(0), to: 32, by: 8) {
            for value in bits { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
        }
    }

}

/// Reads what `ByteWriter` wrote; every read checks bounds and throws on malformed input, so a
/// damaged blob is an error, never a crash or garbage.
public struct ByteReader {
    let base: UnsafeRawBufferPointer
    public private(set) var position: Int

    public init(_ base: UnsafeRawBufferPointer, position: Int = 0) {
        self.base = base
        self.position = position
    }

    public var remaining: Int { base.count - position }

    @inline(__always)
    public mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < base.count else { throw CacheFormatError("varint runs past the end of the data") }
            let byte = base[position]
            position += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
            guard shift < 64 else { throw CacheFormatError("varint longer than 64 bits") }
        }
    }

    /// A varint that must be at most `limit`.
    @inline(__always)
    public mutating func count(max limit: Int, _ what: String) throws -> Int {
        let value = try varint()
        guard value <= UInt64(limit) else { throw CacheFormatError("\(what) \(value) exceeds \(limit)") }
        return Int(value)
    }

    @inline(__always)
    public mutating func byte() throws -> UInt8 {
        guard position < base.count else { throw CacheFormatError("data ends early") }
        defer { position += 1 }
        return base[position]
    }

    /// The next `count` bytes, without copying.
    public mutating func bytes(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0 && count <= remaining else { throw CacheFormatError("data ends early (\(count) bytes wanted, \(remaining) left)") }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: base[position..<(position + count)])
    }

    public mutating func uint64() throws -> UInt64 {
        let raw = try bytes(8)
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(raw[index]) << UInt64(8 * index) }
        return value
    }

    public mutating func shuffledFloat32(_ count: Int) throws -> [Float] {
        let raw = try bytes(4 * count)
        return (0..<count).map { index in
            var bits: UInt32 = 0
            for lane in 0..<4 { bits |= UInt32(raw[lane * count + index]) << UInt32(8 * lane) }
            return Float(bitPattern: bits)
        }
    }

    public func expectEnd(_ what: String) throws {
        guard remaining == 0 else { throw CacheFormatError("\(remaining) unexpected bytes after the \(what)") }
    }
}

/// Stored data that does not decode: a damaged or foreign blob.
public struct CacheFormatError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
