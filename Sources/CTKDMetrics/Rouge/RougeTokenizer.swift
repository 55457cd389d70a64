/// rouge-score's default tokenizer (`rouge_score/tokenize.py`) on UTF-8 bytes, as token ids.
///
/// `tokenize(text)` is `text.lower()`, then `re.sub(r"[^a-z0-9]+", " ", …)`, then a split on white
/// space, then (with the stemmer) Porter stemming of tokens longer than 3 characters, then
/// dropping tokens that do not match `^[a-z0-9]+$`. Only ASCII letters and digits survive, so
/// the only non-ASCII characters that matter are the two whose Python `lower()` contains one:
/// U+0130 `İ` → `i` + U+0307 (the `i` joins the token, the dot ends it) and the Kelvin sign U+212A
/// → `k`. Every other non-ASCII character separates tokens. No `String` is built.
///
/// ROUGE-Lsum splits the text into sentences on `"\n"` only and tokenizes each line; because
/// `"\n"` is itself a separator, the tokens of the whole text are those lines' tokens in order.
/// So one pass records the tokens and where each line's tokens start.
struct RougeTokenizer {
    private var tokenBytes: [UInt8] = []

    /// Appends the unstemmed token ids of `text` to `tokens`, and to `sentenceEnds` the index
    /// (counted from this text's first token) at which each line with at least one token ends. (Lines without tokens change no
    /// ROUGE-Lsum score: they add nothing to the union LCS or to the token totals.)
    mutating func tokenize(_ text: UnsafeBufferPointer<UInt8>, interner: inout TokenInterner,
                           tokens: inout [Int32], sentenceEnds: inout [Int]) {
        tokenBytes.removeAll(keepingCapacity: true)
        let firstToken = tokens.count
        var lineStartToken = tokens.count
        var index = 0
        let count = text.count
        while index < count {
            let byte = text[index]
            if byte < 0x80 {
                index += 1
                if byte &- 0x61 < 26 || byte &- 0x30 < 10 {
                    tokenBytes.append(byte)
                } else if byte &- 0x41 < 26 {
                    tokenBytes.append(byte | 0x20)
                } else {
                    endToken(interner: &interner, tokens: &tokens)
                    if byte == 0x0A {
                        if tokens.count > lineStartToken { sentenceEnds.append(tokens.count - firstToken) }
                        lineStartToken = tokens.count
                    }
                }
                continue
            }
            let length = UTF8Scalars.sequenceLength(lead: byte)
            if length == 2 && byte == 0xC4 && text[index + 1] == 0xB0 {              // U+0130 İ
                tokenBytes.append(0x69)
                endToken(interner: &interner, tokens: &tokens)
            } else if length == 3 && byte == 0xE2 && text[index + 1] == 0x84 && text[index + 2] == 0xAA {
                tokenBytes.append(0x6B)                                                 // U+212A K
            } else {
                endToken(interner: &interner, tokens: &tokens)
            }
            index += length
        }
        endToken(interner: &interner, tokens: &tokens)
        if tokens.count > lineStartToken { sentenceEnds.append(tokens.count - firstToken) }
    }

    private mutating func endToken(interner: inout TokenInterner, tokens: inout [Int32]) {
        guard !tokenBytes.isEmpty else { return }
        tokens.append(tokenBytes.withUnsafeBufferPointer { interner.intern($0) })
        tokenBytes.removeAll(keepingCapacity: true)
    }
}
