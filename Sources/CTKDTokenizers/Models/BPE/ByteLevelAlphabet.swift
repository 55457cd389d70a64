/// GPT-2's reversible map from the 256 byte values to printable characters: bytes that are
/// printable Latin-1 map to themselves, the rest to U+0100 onwards, in byte order. Byte-level
/// vocabularies spell every token in these characters ("Ġ" is the space byte 0x20).
public enum ByteLevelAlphabet {
    /// `scalarForByte[b]` is the character that stands for byte `b`.
    public static let scalarForByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b) {
                table[b] = UInt32(b)
            } else {
                table[b] = next
                next += 1
            }
        }
        return table
    }()

    /// The inverse map, as a dictionary from scalar to byte.
    public static let byteForScalar: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (b, scalar) in scalarForByte.enumerated() { map[scalar] = UInt8(b) }
        return map
    }()

    /// The byte-level spelling of raw bytes (what HF's ByteLevel pre-tokenizer produces).
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(Unicode.Scalar(scalarForByte[Int(b)])!) }
        return String(s)
    }

    /// The raw bytes of a byte-level token, or nil if a character is outside the alphabet.
    public static func decode(_ token: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(token.unicodeScalars.count)
        for scalar in token.unicodeScalars {
            guard let b = byteForScalar[scalar.value] else { return nil }
            out.append(b)
        }
        return out
    }
}
