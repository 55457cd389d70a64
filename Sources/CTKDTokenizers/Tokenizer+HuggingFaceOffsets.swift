extension Tokenizer {
    /// The offsets HF `tokenizers` reports for `encoding` of `input` (in bytes; HF's Python API
    /// converts these to character offsets): each span widened to whole characters of the input
    /// (an empty span at p to the character at p), special tokens from the post-processor at
    /// 0..<0, and with a ByteLevel post-processor's `trim_offsets` the leading and trailing
    /// spaces of a token left out.
    public func huggingFaceOffsets(_ encoding: Encoding, input: [UInt8], addSpecialTokens: Bool = false) -> [ByteSpan] {
        let prefixCount = addSpecialTokens ? (postProcessor?.prefixIDs.count ?? 0) : 0
        let suffixCount = addSpecialTokens ? (postProcessor?.suffixIDs.count ?? 0) : 0
        let trim = postProcessor?.trimsByteLevelOffsets ?? false
        return encoding.offsets.enumerated().map { index, span -> ByteSpan in
            if index < prefixCount || index >= encoding.count - suffixCount { return 0..<0 }
            var start = span.lowerBound, end = span.upperBound
            if start == end {
                if start < input.count { end = start + characterLength(input, start) }
            } else {
                start = characterStart(input, start)
                let last = characterStart(input, end - 1)
                end = last + characterLength(input, last)
            }
            if trim && model.byteLevel, let token = token(for: encoding.ids[index]) {
                let marker = Unicode.Scalar(ByteLevelAlphabet.scalarForByte[0x20])!
                let scalars = Array(token.unicodeScalars)
                let isSpace = { (s: Unicode.Scalar) in s == marker || UnicodeClasses.isWhitespace(s.value) }
                let leading = scalars.prefix(while: isSpace).count
                let trailing = scalars.reversed().prefix(while: isSpace).count
                if leading > 0 { start = min(start + leading, end) }
                if trailing > 0 && end >= trailing { end = max(end - trailing, start) }
            }
            return start..<end
        }
    }

    /// The start of the character (valid UTF-8 sequence, else the single byte) holding byte i.
    private func characterStart(_ input: [UInt8], _ i: Int) -> Int {
        var j = i
        while j > 0 && i - j < 3 && input[j] & 0xC0 == 0x80 { j -= 1 }
        if j != i && j + characterLength(input, j) > i { return j }
        return i
    }

    private func characterLength(_ input: [UInt8], _ i: Int) -> Int {
        input.withUnsafeBufferPointer { UTF8Scanner.decode($0.baseAddress!, i, $0.count).length }
    }
}
