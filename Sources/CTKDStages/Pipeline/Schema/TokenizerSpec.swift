import CTKDCore

/// An entry of `tokenizers:` — a byte-level BPE trained on a data split, or a tokenizer.json.
///
///     tokenizers:
///       bpe2k: {train: {vocab_size: 2048}}
///       smollm: {from: models/smollm2/tokenizer.json}
public struct TokenizerSpec: Decodable, Sendable {
    public enum Source: Sendable {
        case train(TokenizerTrainSpec)
        case file(PathValue)
    }

    public var source: Source
    public var location: SourceLocation

    enum CodingKeys: String, SchemaCodingKey {
        case train, from
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        location = decoder.sourceLocation
        switch (try c.decodeIfPresent(TokenizerTrainSpec.self, forKey: .train), try c.decodeIfPresent(PathValue.self, forKey: .from)) {
        case (let train?, nil): source = .train(train)
        case (nil, let path?): source = .file(path)
        case (nil, nil): throw decoder.schemaError("needs \"train\" (learn a byte-level BPE) or \"from\" (a tokenizer.json)")
        case (_?, _?): throw decoder.schemaError("has both \"train\" and \"from\"; keep one")
        }
    }
}

/// `tokenizers.NAME.train:` — byte-level BPE learnt from the prompts and responses of a split.
public struct TokenizerTrainSpec: Decodable, Sendable {
    public var vocabSize: Int
    public var split: Located<String>

    enum CodingKeys: String, SchemaCodingKey {
        case vocabSize = "vocab_size", split
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decode(Int.self, forKey: .vocabSize) {
            $0 >= 257 ? nil : "must be at least 257 (the 256 bytes and one merge)"
        }
        split = try c.decode(Located<String>.self, forKey: .split,
                             default: Located("train", at: decoder.sourceLocation))
    }
}
