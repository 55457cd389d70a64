import CTKDCore

/// The tokenizer families ctkd trains, each the pipeline HF `tokenizers` users build for it.
public enum TrainingRecipe: String, Sendable, CaseIterable {
    /// GPT-2: ByteLevel pre-tokenizer (GPT-2 split pattern) and decoder, 256 byte symbols,
    /// special token `<|endoftext|>`.
    case byteLevel = "byte-level"
    /// Llama 3: the Llama-3 split pattern, then ByteLevel; `ignore_merges`.
    case llama3 = "llama3"
    /// SentencePiece style: "▁" prepended and spaces replaced by "▁", words split before each
    /// "▁", byte fallback (`<0x00>`…`<0xFF>` appended after the learned tokens), `<unk>`, and
    /// `<s> $A </s>` around a sequence.
    case sentencePiece = "sentencepiece"

    /// The default special tokens (ids 0, 1, … in this order).
    public var defaultSpecialTokens: [String] {
        switch self {
        case .byteLevel, .llama3: return ["<|endoftext|>"]
        case .sentencePiece: return ["<unk>", "<s>", "</s>"]
        }
    }

    var byteLevel: Bool { self != .sentencePiece }

    /// tokenizer.json's pipeline parts, as HF writes them for this recipe.
    var pipelineJSON: Tokenizer.PipelineJSON {
        func parse(_ s: String) -> JSONValue { try! JSONValue(parsing: Array(s.utf8)) }
        let byteLevelDecoder = parse(#"{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true}"#)
        switch self {
        case .byteLevel:
            return .init(preTokenizer: parse(#"{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true}"#),
                         decoder: byteLevelDecoder)
        case .llama3:
            return .init(preTokenizer: parse(#"{"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},"behavior":"Isolated","invert":false},{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":false}]}"#),
                         decoder: byteLevelDecoder)
        case .sentencePiece:
            return .init(
                normalizer: parse(#"{"type":"Sequence","normalizers":[{"type":"Prepend","prepend":"▁"},{"type":"Replace","pattern":{"String":" "},"content":"▁"}]}"#),
                preTokenizer: parse(#"{"type":"Metaspace","replacement":"▁","prepend_scheme":"never","split":true}"#),
                decoder: parse(#"{"type":"Sequence","decoders":[{"type":"Replace","pattern":{"String":"▁"},"content":" "},{"type":"ByteFallback"},{"type":"Fuse"},{"type":"Strip","content":" ","start":1,"stop":0}]}"#))
        }
    }

    /// `<s> $A </s>` for SentencePiece style, given the ids of `<s>` and `</s>`.
    func postProcessorJSON(bos: Int?, eos: Int?) -> JSONValue {
        guard self == .sentencePiece, let bos, let eos else { return .null }
        func special(_ name: String) -> JSONValue {
            .object([("SpecialToken", .object([("id", .string(name)), ("type_id", .number(0))]))])
        }
        func sequence(_ name: String) -> JSONValue {
            .object([("Sequence", .object([("id", .string(name)), ("type_id", .number(0))]))])
        }
        func entry(_ name: String, _ id: Int) -> JSONValue {
            .object([("id", .string(name)), ("ids", .array([.number(Double(id))])), ("tokens", .array([.string(name)]))])
        }
        return .object([
            ("type", .string("TemplateProcessing")),
            ("single", .array([special("<s>"), sequence("A"), special("</s>")])),
            ("pair", .array([special("<s>"), sequence("A"), special("</s>"), sequence("B"), special("</s>")])),
            ("special_tokens", .object([("</s>", entry("</s>", eos)), ("<s>", entry("<s>", bos))])),
        ])
    }
}
