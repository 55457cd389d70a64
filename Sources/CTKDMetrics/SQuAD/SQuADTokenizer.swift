/// The official SQuAD normalisation, `normalize_answer(s).split()`, as token ids.
///
/// `normalize_answer` (evaluate-v1.1.py) is, in this order:
/// 1. `s.lower()` — Python's full Unicode lowercasing (`PythonUnicode`);
/// 2. delete every character of `string.punctuation` (the 32 ASCII marks; `’`, `“`, `–` stay);
/// 3. `re.sub(r'\b(a|an|the)\b', ' ', s)` — a maximal run of `\w` characters that is exactly
///    `a`, `an` or `the` becomes a space (so `"x’the’y"` splits into `x’` and `’y`);
/// 4. `' '.join(s.split())` — split on `str.isspace()` characters.
/// EM compares the token sequences (equal sequences ⇔ equal normalised strings, since tokens
/// hold no white space); F1 compares them as multisets.
struct SQuADTokenizer {
    private var scalars: [UInt32] = []
    private var normalized: [UInt32] = []
    private var tokenBytes: [UInt8] = []

    /// Appends the ids of `text`'s normalised tokens to `tokens`.
    mutating func tokenize(_ text: UnsafeBufferPointer<UInt8>, interner: inout TokenInterner,
                           into tokens: inout [Int32]) {
        scalars.removeAll(keepingCapacity: true)
        UTF8Scalars.decode(text, into: &scalars)
        lowercaseDroppingPunctuation()
        splitDroppingArticles(interner: &interner, into: &tokens)
    }

    /// The normalised tokens as strings (for tests and for `SQuADMetrics.normalize`).
    mutating func tokens(_ text: String) -> [String] {
        var interner = TokenInterner()
        var ids = [Int32]()
        text.withUTF8Buffer { tokenize($0, interner: &interner, into: &ids) }
        return ids.map { String(decoding: interner.token($0), as: UTF8.self) }
    }

    /// Steps 1 and 2. No code point lowercases into ASCII punctuation, so the deletion can happen
    /// as each character is lowercased; Final_Sigma still sees the original neighbours.
    private mutating func lowercaseDroppingPunctuation() {
        normalized.removeAll(keepingCapacity: true)
        scalars.withUnsafeBufferPointer { original in
            for index in original.indices {
                let scalar = original[index]
                if scalar < 0x80 {
                    if !Self.isASCIIPunctuation(scalar) { normalized.append(PythonUnicode.lowercase(scalar)) }
                } else if scalar == PythonUnicode.capitalIWithDot {
                    normalized.append(0x69)
                    normalized.append(PythonUnicode.combiningDotAbove)
                } else if scalar == PythonUnicode.capitalSigma {
                    normalized.append(PythonUnicode.isFinalSigma(original, at: index)
                                      ? PythonUnicode.finalSigma : PythonUnicode.smallSigma)
                } else {
                    normalized.append(PythonUnicode.lowercaseNonASCII(scalar))
                }
            }
        }
    }

    /// Steps 3 and 4: tokens are runs of non-white-space; an article word run ends a token
    /// like white space does and is dropped.
    private mutating func splitDroppingArticles(interner: inout TokenInterner, into tokens: inout [Int32]) {
        let count = normalized.count
        var tokenStart = -1
        var index = 0
        while index < count {
            let scalar = normalized[index]
            if PythonUnicode.isWhitespace(scalar) {
                emit(tokenStart, index, interner: &interner, into: &tokens)
                tokenStart = -1
                index += 1
            } else if PythonUnicode.isWord(scalar) {
                var end = index + 1
                while end < count && PythonUnicode.isWord(normalized[end]) { end += 1 }
                if isArticle(index, end) {
                    emit(tokenStart, index, interner: &interner, into: &tokens)
                    tokenStart = -1
                } else if tokenStart < 0 {
                    tokenStart = index
                }
                index = end
            } else {
                if tokenStart < 0 { tokenStart = index }
                index += 1
            }
        }
        emit(tokenStart, count, interner: &interner, into: &tokens)
    }

    private func isArticle(_ start: Int, _ end: Int) -> Bool {
        switch end - start {
        case 1: return normalized[start] == 0x61                                            // a
        case 2: return normalized[start] == 0x61 && normalized[start + 1] == 0x6E           // an
        case 3: return normalized[start] == 0x74 && normalized[start + 1] == 0x68 && normalized[start + 2] == 0x65  // the
        default: return false
        }
    }

    private mutating func emit(_ start: Int, _ end: Int, interner: inout TokenInterner, into tokens: inout [Int32]) {
        guard start >= 0 && start < end else { return }
        tokenBytes.removeAll(keepingCapacity: true)
        for index in start..<end { UTF8Scalars.encode(normalized[index], into: &tokenBytes) }
        tokens.append(tokenBytes.withUnsafeBufferPointer { interner.intern($0) })
    }

    /// `string.punctuation`: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~
    @inline(__always)
    static func isASCIIPunctuation(_ scalar: UInt32) -> Bool {
        (scalar >= 0x21 && scalar <= 0x2F) || (scalar >= 0x3A && scalar <= 0x40)
            || (scalar >= 0x5B && scalar <= 0x60) || (scalar >= 0x7B && scalar <= 0x7E)
    }
}
