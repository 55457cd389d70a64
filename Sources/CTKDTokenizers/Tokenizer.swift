import CTKDCore
import Foundation

/// A tokenizer.json pipeline — added tokens, normalizer, pre-tokenizer, BPE model,
/// post-processor, decoder — that encodes exactly as HF `tokenizers` does, with byte offsets.
///
///     let tokenizer = try Tokenizer(contentsOf: "tokenizer.json")
///     let encoding = tokenizer.encode("Hello world")          // ids + byte spans
///     tokenizer.decode(encoding.ids)                           // "Hello world"
///     tokenizer.tokenBytes(encoding.ids[1])                     // Array(" world".utf8)
///
/// Thread-safe: any number of threads may encode and decode at once.
public final class Tokenizer: @unchecked Sendable {
    public let model: BPEModel
    public let normalizer: Normalizer?
    public let preTokenizer: PreTokenizer?
    public let postProcessor: PostProcessor?
    public let decoder: Decoder?
    public let addedTokens: [AddedToken]
    /// The pipeline parts as they appear in tokenizer.json, written back by `save`.
    let pipelineJSON: PipelineJSON

    let rawMatcher: AddedTokenMatcher
    let normalizedMatcher: AddedTokenMatcher
    let addedTokenByID: [Int: AddedToken]
    /// `vocabularyBytes[id]`: the bytes token `id` contributes to text (see `tokenBytes`).
    public let vocabularyBytes: [[UInt8]]
    let scratchPool: ScratchPool

    struct PipelineJSON: Sendable {
        var normalizer: JSONValue = .null
        var preTokenizer: JSONValue = .null
        var postProcessor: JSONValue = .null
        var decoder: JSONValue = .null
    }

    init(model: BPEModel, addedTokens: [AddedToken], pipelineJSON: PipelineJSON) throws {
        self.model = model
        self.addedTokens = addedTokens
        self.pipelineJSON = pipelineJSON
        normalizer = pipelineJSON.normalizer.isNull ? nil : try Normalizer(json: pipelineJSON.normalizer, path: "normalizer")
        preTokenizer = pipelineJSON.preTokenizer.isNull ? nil
            : try PreTokenizer(json: pipelineJSON.preTokenizer, path: "pre_tokenizer")
        postProcessor = pipelineJSON.postProcessor.isNull ? nil
            : try PostProcessor(json: pipelineJSON.postProcessor, path: "post_processor")
        decoder = pipelineJSON.decoder.isNull ? nil : try Decoder(json: pipelineJSON.decoder, path: "decoder")
        if model.byteLevel != (preTokenizer?.isByteLevel ?? false) {
            throw CTKDError("the model's byte-level mode does not match the pre-tokenizer", field: "pre_tokenizer")
        }

        var byID: [Int: AddedToken] = [:]
        for token in addedTokens { byID[token.id] = token }
        addedTokenByID = byID
        let raw = addedTokens.filter { !$0.normalized }
        rawMatcher = AddedTokenMatcher(tokens: raw, patterns: raw.map { Array($0.content.utf8) })
        let normalized = addedTokens.filter(\.normalized)
        let normalizerForPatterns = normalizer
        normalizedMatcher = AddedTokenMatcher(tokens: normalized, patterns: normalized.map { token in
            let bytes = Array(token.content.utf8)
            guard let normalizerForPatterns else { return bytes }
            return bytes.withUnsafeBufferPointer {
                normalizerForPatterns.apply(NormalizedText(input: $0, range: 0..<$0.count)).bytes
            }
        })
        let size = max(model.vocabularySize, (addedTokens.map(\.id).max() ?? -1) + 1)
        var bytes = [[UInt8]](repeating: [], count: size)
        let decoderForBytes = decoder
        for id in 0..<size {
            if let added = byID[id] {
                bytes[id] = added.special ? [] : Array(added.content.utf8)
            } else if id < model.tokens.count, let token = model.tokens[id] {
                bytes[id] = Tokenizer.contributedBytes(token, model: model, decoder: decoderForBytes)
            }
        }
        vocabularyBytes = bytes
        scratchPool = ScratchPool()
    }

    /// Ids the vocabulary spans (the model's ids and the added tokens').
    public var vocabularySize: Int { vocabularyBytes.count }

    /// The bytes token `id` contributes when it appears inside text: a byte-level token's
    /// bytes, a "▁" as a space, a `<0x41>` byte-fallback token as its one byte, a special token
    /// as nothing. Where the tokenizer prepends "▁" to the text (SentencePiece style), the
    /// first token's bytes include a space that is not in the input; its offset span does not
    /// (it starts at byte 0), and `decode` strips that space again.
    public func tokenBytes(_ id: Int) -> [UInt8] {
        id >= 0 && id < vocabularyBytes.count ? vocabularyBytes[id] : []
    }

    /// The id of a token string (added tokens first, then the model's vocabulary).
    public func tokenID(for token: String) -> Int? {
        if let added = addedTokens.first(where: { $0.content == token }) { return added.id }
        return model.tokenToID[token]
    }

    /// The token string of an id, as tokenizer.json spells it.
    public func token(for id: Int) -> String? {
        if let added = addedTokenByID[id] { return added.content }
        return id >= 0 && id < model.tokens.count ? model.tokens[id] : nil
    }

    public func isSpecial(_ id: Int) -> Bool { addedTokenByID[id]?.special ?? false }

    /// The beginning-of-sequence token: the post-processor's first added token, else a special
    /// token with a usual BOS name.
    public var bosTokenID: Int? {
        postProcessor?.prefixIDs.first ?? firstSpecial(["<s>", "<|begin_of_text|>", "<|startoftext|>", "<bos>", "<BOS>", "<SOS>", "[CLS]"])
    }

    /// The end-of-sequence token: the post-processor's last appended token, else a special
    /// token with a usual EOS name.
    public var eosTokenID: Int? {
        postProcessor?.suffixIDs.last
            ?? firstSpecial(["</s>", "<|endoftext|>", "<|end_of_text|>", "<eos>", "<EOS>", "<EOT>", "<|im_end|>", "[SEP]"])
    }

    public var padTokenID: Int? { firstSpecial(["<pad>", "<|pad|>", "<PAD>", "[PAD]", "<|padding|>"]) }

    public var unknownTokenID: Int? { model.unknownToken.flatMap { tokenID(for: $0) } }

    private func firstSpecial(_ names: [String]) -> Int? {
        for name in names { if let id = tokenID(for: name) { return id } }
        return nil
    }

    static func contributedBytes(_ token: String, model: BPEModel, decoder: Decoder?) -> [UInt8] {
        if model.byteLevel { return ByteLevelAlphabet.decode(token) ?? Array(token.utf8) }
        var bytes = Array(token.utf8)
        if model.byteFallback, let byte = Decoder.fallbackByte(bytes) { return [byte] }
        func apply(_ d: Decoder) {
            switch d {
            case .sequence(let items): items.forEach(apply)
            case .metaspace(let replacement, _): bytes = bytes.replacingAll(replacement, with: [0x20])
            case .replace(let pattern, let content): bytes = bytes.replacingAll(pattern, with: content)
            default: break
            }
        }
        if let decoder { apply(decoder) }
        return bytes
    }
}

/// Per-thread BPE working memory and word caches, lent out to one encoding call at a time.
final class ScratchPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [BPEScratch] = []
    static let cacheEntries = 20_000

    func withScratch<R>(_ body: (BPEScratch) throws -> R) rethrows -> R {
        lock.lock()
        let scratch = free.popLast() ?? BPEScratch(cacheEntries: Self.cacheEntries)
        lock.unlock()
        defer {
            lock.lock()
            free.append(scratch)
            lock.unlock()
        }
        return try body(scratch)
    }
}
