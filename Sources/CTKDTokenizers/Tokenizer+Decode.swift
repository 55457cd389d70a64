extension Tokenizer {
    /// Decodes ids to text exactly as HF's `Tokenizer.decode` does (including U+FFFD where the
    /// bytes are not valid UTF-8). Ids outside the vocabulary are skipped, like HF.
    public func decode(_ ids: some Sequence<Int>, skipSpecialTokens: Bool = true) -> String {
        String(decoding: decodeChain(ids, skipSpecialTokens: skipSpecialTokens, exactBytes: false), as: UTF8.self)
    }

    /// Decodes ids to the exact bytes they stand for (no U+FFFD substitution), so that
    /// `decodeBytes(encode(bytes: x).ids) == x` for any bytes `x` a byte-level or byte-fallback
    /// tokenizer can encode.
    public func decodeBytes(_ ids: some Sequence<Int>, skipSpecialTokens: Bool = true) -> [UInt8] {
        decodeChain(ids, skipSpecialTokens: skipSpecialTokens, exactBytes: true)
    }

    private func decodeChain(_ ids: some Sequence<Int>, skipSpecialTokens: Bool, exactBytes: Bool) -> [UInt8] {
        var tokens: [[UInt8]] = []
        for id in ids {
            if let added = addedTokenByID[id] {
                if skipSpecialTokens && added.special { continue }
                tokens.append(Array(added.content.utf8))
            } else if id >= 0 && id < model.tokens.count, let token = model.tokens[id] {
                tokens.append(Array(token.utf8))
            }
        }
        guard let decoder else {
            // HF joins the tokens with spaces when there is no decoder.
            return Array(tokens.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ").utf8)
        }
        return decoder.decodeChain(tokens, exactBytes: exactBytes).flatMap { $0 }
    }
}

/// Decodes a growing list of ids (generation), returning each piece of text as soon as it is
/// complete, in time independent of the length so far: it re-decodes only a short window of
/// recent ids (HF's `DecodeStream` scheme).
///
///     var stream = DecodeStream(tokenizer: tokenizer)
///     for id in generated { if let text = stream.step(id) { print(text, terminator: "") } }
public struct DecodeStream {
    public let tokenizer: Tokenizer
    public let skipSpecialTokens: Bool
    private var ids: [Int] = []
    private var prefix = ""
    private var prefixIndex = 0

    public init(tokenizer: Tokenizer, skipSpecialTokens: Bool = true) {
        self.tokenizer = tokenizer
        self.skipSpecialTokens = skipSpecialTokens
    }

    /// Adds one id; returns the new text, or nil while it ends inside a multi-byte character.
    public mutating func step(_ id: Int) -> String? {
        ids.append(id)
        let text = tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens)
        guard text.utf8.count > prefix.utf8.count, !text.hasSuffix("\u{FFFD}") else { return nil }
        let newText: String
        if text.utf8.starts(with: prefix.utf8) {
            newText = String(decoding: text.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)
        } else {
            newText = text  // cannot happen with prefix-stable decoders; never drop text
        }
        let newPrefixIndex = ids.count - prefixIndex
        ids.removeFirst(prefixIndex)
        prefix = tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens)
        prefixIndex = newPrefixIndex
        return newText
    }
}
