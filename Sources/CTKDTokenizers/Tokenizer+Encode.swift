import CTKDCore

extension Tokenizer {
    /// Encodes UTF-8 text. With `addSpecialTokens` the post-processor's tokens (BOS/EOS) are
    /// added, with empty spans.
    public func encode(_ text: String, addSpecialTokens: Bool = false) -> Encoding {
        var text = text
        return text.withUTF8 { encode(bytes: $0, addSpecialTokens: addSpecialTokens) }
    }

    /// Encodes raw bytes, which need not be valid UTF-8: invalid bytes are split like symbols
    /// and, in a byte-level or byte-fallback vocabulary, still get tokens that decode to them.
    public func encode(bytes: some Collection<UInt8>, addSpecialTokens: Bool = false) -> Encoding {
        if let result = bytes.withContiguousStorageIfAvailable({ encode(bytes: $0, addSpecialTokens: addSpecialTokens) }) {
            return result
        }
        return Array(bytes).withUnsafeBufferPointer { encode(bytes: $0, addSpecialTokens: addSpecialTokens) }
    }

    public func encode(bytes: UnsafeBufferPointer<UInt8>, addSpecialTokens: Bool = false) -> Encoding {
        scratchPool.withScratch { encode(bytes, addSpecialTokens: addSpecialTokens, scratch: $0) }
    }

    /// Encodes many texts in parallel (all cores, or `CTKD_THREADS`), keeping their order.
    public func encodeBatch(_ texts: [[UInt8]], addSpecialTokens: Bool = false) -> [Encoding] {
        var results = [Encoding](repeating: Encoding(), count: texts.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedPointer(buffer.baseAddress!)
            Parallel.forEachChunk(texts.count, minimumChunk: 16) { range in
                scratchPool.withScratch { scratch in
                    for index in range {
                        out.pointer[index] = texts[index].withUnsafeBufferPointer {
                            encode($0, addSpecialTokens: addSpecialTokens, scratch: scratch)
                        }
                    }
                }
            }
        }
        return results
    }

    public func encodeBatch(_ texts: [String], addSpecialTokens: Bool = false) -> [Encoding] {
        encodeBatch(texts.map { Array($0.utf8) }, addSpecialTokens: addSpecialTokens)
    }

    func encode(_ input: UnsafeBufferPointer<UInt8>, addSpecialTokens: Bool, scratch: BPEScratch) -> Encoding {
        var encoding = Encoding()
        encoding.ids.reserveCapacity(input.count / 3 + 4)
        encoding.offsets.reserveCapacity(input.count / 3 + 4)
        if addSpecialTokens, let postProcessor {
            for id in postProcessor.prefixIDs { encoding.ids.append(id); encoding.offsets.append(0..<0) }
        }
        for piece in rawMatcher.split(input, 0..<input.count) {
            if let token = piece.token {
                encoding.ids.append(rawMatcher.tokens[token].id)
                encoding.offsets.append(piece.range)
            } else {
                encodeSegment(input, piece.range, scratch: scratch, into: &encoding)
            }
        }
        if addSpecialTokens, let postProcessor {
            for id in postProcessor.suffixIDs { encoding.ids.append(id); encoding.offsets.append(input.count..<input.count) }
        }
        return encoding
    }

    /// Normalizes, splits out normalized added tokens, pre-tokenizes and runs the model.
    private func encodeSegment(_ input: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, scratch: BPEScratch,
                               into encoding: inout Encoding) {
        var text = NormalizedText(input: input, range: range)
        if let normalizer { text = normalizer.apply(text) }
        let pieces = text.bytes.withUnsafeBufferPointer { normalizedMatcher.split($0, 0..<$0.count) }
        var pairs: [Int32] = []
        for piece in pieces {
            if let token = piece.token {
                encoding.ids.append(normalizedMatcher.tokens[token].id)
                encoding.offsets.append(text.inputSpan(piece.range))
                continue
            }
            var words = PreTokenizedText(text: text, words: [piece.range])
            if let preTokenizer { words = preTokenizer.apply(words) }
            let spanStarts = words.text.spanStarts, spanEnds = words.text.spanEnds
            words.text.bytes.withUnsafeBufferPointer { bytes in
                guard let base = bytes.baseAddress else { return }
                for word in words.words {
                    pairs.removeAll(keepingCapacity: true)
                    model.tokenize(base + word.lowerBound, word.count, scratch: scratch, output: &pairs)
                    var position = word.lowerBound
                    var k = 0
                    while k < pairs.count {
                        let length = Int(pairs[k + 1])
                        encoding.ids.append(Int(pairs[k]))
                        encoding.offsets.append(Int(spanStarts[position])..<Int(spanEnds[position + length - 1]))
                        position += length
                        k += 2
                    }
                }
            }
        }
    }
}
