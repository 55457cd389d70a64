/// The split patterns of byte-level BPE tokenizers, as hand-written scanners over Unicode
/// scalars instead of a regex engine. Each scanner returns the end of the match that the
/// pattern's leftmost alternative to succeed would give at `start`; together the matches tile
/// the text, since every pattern ends in `\s+` and its classes cover every scalar.
public enum KnownSplitPattern: Sendable, Equatable {
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` (GPT-2).
    case gpt2
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    /// (Llama 3, and cl100k's equivalent spelling with possessive quantifiers; Qwen2's with `\p{N}`).
    case llama3(maxDigits: Int)

    static let gpt2Source = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    /// Recognises a pattern string from a tokenizer.json.
    init?(source: String) {
        switch source {
        case Self.gpt2Source: self = .gpt2
        case #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#,
             #"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"#:
            self = .llama3(maxDigits: 3)
        case #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#:
            self = .llama3(maxDigits: 1)
        default: return nil
        }
    }

    /// Appends the match ranges that tile `start..<end` of `p`.
    func forEachMatch(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ body: (Range<Int>) -> Void) {
        var i = start
        while i < end {
            let matchEnd: Int
            switch self {
            case .gpt2: matchEnd = Self.gpt2Match(p, i, end)
            case .llama3(let maxDigits): matchEnd = Self.llama3Match(p, i, end, maxDigits: maxDigits)
            }
            body(i..<matchEnd)
            i = matchEnd
        }
    }

    typealias CharClass = UnicodeClasses.CharClass

    /// The end of a contraction (`'s`, `'ll`, …) at `i`, or nil. `caseInsensitive` follows
    /// Oniguruma's `(?i)`, which also folds U+017F (ſ) to s.
    @inline(__always)
    static func contractionEnd(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int, caseInsensitive: Bool) -> Int? {
        guard p[i] == UInt8(ascii: "'"), i + 1 < end else { return nil }
        @inline(__always) func letter(_ k: Int) -> UInt8? {
            guard k < end else { return nil }
            let b = p[k]
            if caseInsensitive {
                if b >= 0x41 && b <= 0x5A { return b + 0x20 }
                if b == 0xC5 && k + 1 < end && p[k + 1] == 0xBF { return 0xFF }  // ſ folds to s
            }
            return b
        }
        let first = letter(i + 1)
        switch first {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"): return i + 2
        case 0xFF: return i + 3  // ſ, two bytes
        case UInt8(ascii: "r"), UInt8(ascii: "v"):
            return letter(i + 2) == UInt8(ascii: "e") ? i + 3 : nil
        case UInt8(ascii: "l"):
            return letter(i + 2) == UInt8(ascii: "l") ? i + 3 : nil
        default: return nil
        }
    }

    /// The end of the run of scalars of class `cls` starting at `i`.
    @inline(__always)
    static func runEnd(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int, _ cls: CharClass) -> Int {
        var j = i
        while j < end {
            let (c, length) = UTF8Scanner.classAt(p, j, end)
            if c != cls { break }
            j += length
        }
        return j
    }

    /// `\s+(?!\S)` then `\s+` for the whitespace run starting at `i`.
    @inline(__always)
    static func whitespaceMatch(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        var j = i, last = i, count = 0
        while j < end {
            let (c, length) = UTF8Scanner.classAt(p, j, end)
            if c != .whitespace { break }
            last = j
            j += length
            count += 1
        }
        // Followed by a non-space: give back the last whitespace scalar, unless it is the only one.
        if j < end && count > 1 { return last }
        return j
    }

    static func gpt2Match(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        if let e = contractionEnd(p, i, end, caseInsensitive: false) { return e }
        var (c0, len0) = UTF8Scanner.classAt(p, i, end)
        var start = i
        if p[i] == 0x20 && i + 1 < end {
            let (c1, len1) = UTF8Scanner.classAt(p, i + 1, end)
            if c1 != .whitespace { start = i + 1; c0 = c1; len0 = len1 }
        }
        switch c0 {
        case .letter, .number, .other: return runEnd(p, start + len0, end, c0)
        case .whitespace: return whitespaceMatch(p, i, end)
        }
    }

    static func llama3Match(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int, maxDigits: Int) -> Int {
        if let e = contractionEnd(p, i, end, caseInsensitive: true) { return e }
        let (c0, len0) = UTF8Scanner.classAt(p, i, end)
        let b0 = p[i]
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if c0 == .letter { return runEnd(p, i + len0, end, .letter) }
        if c0 != .number && b0 != 0x0D && b0 != 0x0A && i + len0 < end {
            let (c1, len1) = UTF8Scanner.classAt(p, i + len0, end)
            if c1 == .letter { return runEnd(p, i + len0 + len1, end, .letter) }
        }
        // \p{N}{1,3}
        if c0 == .number {
            var j = i + len0, digits = 1
            while j < end && digits < maxDigits {
                let (c, length) = UTF8Scanner.classAt(p, j, end)
                if c != .number { break }
                j += length
                digits += 1
            }
            return j
        }
        //  ?[^\s\p{L}\p{N}]+[\r\n]*
        var start = -1
        if c0 == .other { start = i }
        else if b0 == 0x20 && i + 1 < end && UTF8Scanner.classAt(p, i + 1, end).0 == .other { start = i + 1 }
        if start >= 0 {
            var j = runEnd(p, start, end, .other)
            while j < end && (p[j] == 0x0D || p[j] == 0x0A) { j += 1 }
            return j
        }
        // \s*[\r\n]+ : up to the last line break of the whitespace run
        var j = i, lastBreak = -1
        while j < end {
            let (c, length) = UTF8Scanner.classAt(p, j, end)
            if c != .whitespace { break }
            if p[j] == 0x0D || p[j] == 0x0A { lastBreak = j }
            j += length
        }
        if lastBreak >= 0 { return lastBreak + 1 }
        return whitespaceMatch(p, i, end)
    }
}
