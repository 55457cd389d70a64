/// The character classes that the pre-tokenizer patterns use (`\p{L}`, `\p{N}`, `\s`), looked up
/// in a two-stage table built once from the ranges that `make_unicode_tables.py` read out of HF
/// `tokenizers` (Oniguruma), so that ctkd splits text exactly where HF does.
public enum UnicodeClasses {
    public enum CharClass: UInt8, Sendable {
        case other = 0, letter = 1, number = 2, whitespace = 3
    }

    /// stage1[scalar >> 8] is a block number; stage2[block << 8 | scalar & 0xFF] the class.
    struct Table: @unchecked Sendable {
        let stage1: UnsafeMutablePointer<UInt16>
        let stage2: UnsafeMutablePointer<UInt8>
    }

    static let table: Table = {
        var classes = [UInt8](repeating: 0, count: 0x110000)
        for (ranges, value) in [(letterRanges, CharClass.letter), (numberRanges, .number), (whitespaceRanges, .whitespace)] {
            for range in ranges { for scalar in range { classes[Int(scalar)] = value.rawValue } }
        }
        var blocks: [[UInt8]: UInt16] = [:]
        var stage2: [UInt8] = []
        let stage1 = UnsafeMutablePointer<UInt16>.allocate(capacity: 0x1100)
        for block in 0..<0x1100 {
            let content = Array(classes[(block << 8)..<((block + 1) << 8)])
            if let existing = blocks[content] {
                stage1[block] = existing
            } else {
                let number = UInt16(blocks.count)
                blocks[content] = number
                stage2.append(contentsOf: content)
                stage1[block] = number
            }
        }
        let stage2Pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: stage2.count)
        stage2Pointer.initialize(from: stage2, count: stage2.count)
        return Table(stage1: stage1, stage2: stage2Pointer)
    }()

    @inline(__always)
    public static func classify(_ scalar: UInt32) -> CharClass {
        if scalar >= 0x110000 { return .other }
        let t = table
        let block = Int(t.stage1[Int(scalar >> 8)])
        return CharClass(rawValue: t.stage2[block << 8 | Int(scalar & 0xFF)])!
    }

    /// Rust's `char::is_whitespace` (the White_Space property): the same 25 scalars as `\s`.
    @inline(__always)
    public static func isWhitespace(_ scalar: UInt32) -> Bool { classify(scalar) == .whitespace }

    /// Rust's `char::is_numeric` (general categories Nd, Nl, No).
    @inline(__always)
    public static func isNumeric(_ scalar: UInt32) -> Bool { classify(scalar) == .number }
}

/// Decoding one scalar from UTF-8 bytes that may be invalid. An invalid byte decodes as one
/// "scalar" of length 1 with the value `UTF8Scanner.invalid`, which the pre-tokenizers treat as a
/// symbol (like U+FFFD), so that any byte string splits into pre-tokens that cover it exactly.
public enum UTF8Scanner {
    public static let invalid: UInt32 = 0x110000

    /// The scalar at `index` and its length in bytes (1...4).
    @inline(__always)
    public static func decode(_ p: UnsafePointer<UInt8>, _ index: Int, _ end: Int) -> (scalar: UInt32, length: Int) {
        let b0 = UInt32(p[index])
        if b0 < 0x80 { return (b0, 1) }
        @inline(__always) func cont(_ k: Int) -> UInt32? {
            guard index + k < end else { return nil }
            let b = p[index + k]
            return b & 0xC0 == 0x80 ? UInt32(b & 0x3F) : nil
        }
        switch b0 {
        case 0xC2...0xDF:
            if let c1 = cont(1) { return ((b0 & 0x1F) << 6 | c1, 2) }
        case 0xE0...0xEF:
            if let c1 = cont(1), let c2 = cont(2) {
                let scalar = (b0 & 0x0F) << 12 | c1 << 6 | c2
                if scalar >= 0x800 && !(0xD800...0xDFFF).contains(scalar) { return (scalar, 3) }
            }
        case 0xF0...0xF4:
            if let c1 = cont(1), let c2 = cont(2), let c3 = cont(3) {
                let scalar = (b0 & 0x07) << 18 | c1 << 12 | c2 << 6 | c3
                if scalar >= 0x10000 && scalar <= 0x10FFFF { return (scalar, 4) }
            }
        default: break
        }
        return (invalid, 1)
    }

    /// The class of the scalar at `index` (invalid bytes are `.other`) and its length.
    @inline(__always)
    public static func classAt(_ p: UnsafePointer<UInt8>, _ index: Int, _ end: Int) -> (UnicodeClasses.CharClass, Int) {
        let b = p[index]
        if b < 0x80 { return (asciiClass(b), 1) }
        let (scalar, length) = decode(p, index, end)
        return (UnicodeClasses.classify(scalar), length)
    }

    @inline(__always)
    static func asciiClass(_ b: UInt8) -> UnicodeClasses.CharClass {
        switch b {
        case 0x41...0x5A, 0x61...0x7A: return .letter
        case 0x30...0x39: return .number
        case 0x09...0x0D, 0x20: return .whitespace
        default: return .other
        }
    }
}
