/// Code points in and out of UTF-8 bytes, without `String` in between.
///
/// The input is trusted to be valid UTF-8: every text reaches the scorer either as a Swift `String`
/// or through `ScoringInput`, which rejects invalid UTF-8 with the file and line.
enum UTF8Scalars {
    /// Appends the code points of `bytes` to `output`.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt32]) {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = UInt32(bytes[index])
            if lead < 0x80 {
                output.append(lead)
                index += 1
            } else if lead < 0xE0 {
                output.append((lead & 0x1F) << 6 | UInt32(bytes[index + 1] & 0x3F))
                index += 2
            } else if lead < 0xF0 {
                output.append((lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6
                              | UInt32(bytes[index + 2] & 0x3F))
                index += 3
            } else {
                output.append((lead & 0x07) << 18 | UInt32(bytes[index + 1] & 0x3F) << 12
                              | UInt32(bytes[index + 2] & 0x3F) << 6 | UInt32(bytes[index + 3] & 0x3F))
                index += 4
            }
        }
    }

    /// Appends the UTF-8 encoding of `scalar` to `output`.
    @inline(__always)
    static func encode(_ scalar: UInt32, into output: inout [UInt8]) {
        if scalar < 0x80 {
            output.append(UInt8(scalar))
        } else if scalar < 0x800 {
            output.append(UInt8(0xC0 | scalar >> 6))
            output.append(UInt8(0x80 | scalar & 0x3F))
        } else if scalar < 0x10000 {
            output.append(UInt8(0xE0 | scalar >> 12))
            output.append(UInt8(0x80 | (scalar >> 6) & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        } else {
            output.append(UInt8(0xF0 | scalar >> 18))
            output.append(UInt8(0x80 | (scalar >> 12) & 0x3F))
            output.append(UInt8(0x80 | (scalar >> 6) & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// The byte length of the UTF-8 sequence that starts with `lead`.
    @inline(__always)
    static func sequenceLength(lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }
}

extension String {
    /// Calls `body` with the string's UTF-8 bytes, contiguous.
    func withUTF8Buffer<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        var copy = self
        return try copy.withUTF8(body)
    }
}
