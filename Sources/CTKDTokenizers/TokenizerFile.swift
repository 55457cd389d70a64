import CTKDCore

/// tokenizer.json in and out, and GPT-2's `encoder.json` + `vocab.bpe`.
extension Tokenizer {
    /// Loads a tokenizer.json file. Errors name the file and the field.
    public convenience init(contentsOf path: String) throws {
        do {
            try self.init(json: try JSONValue(parsing: try FileIO.read(path)))
        } catch let error as CTKDError {
            throw error.located(file: path)
        }
    }

    /// Builds a tokenizer from a parsed tokenizer.json.
    public convenience init(json: JSONValue) throws {
        let root = try JSONObjectReader(json, path: "")
        let modelObject = try root.object("model")
        if let type = try modelObject.optionalString("type"), type != "BPE" {
            throw CTKDError("unsupported model type \"\(type)\" (ctkd implements BPE)", field: "model.type")
        }
        if let dropout = modelObject.raw("dropout"), let value = dropout.intValue.map(Double.init) ?? {
            if case .number(let n) = dropout { return n } else { return nil } }(), value > 0 {
            throw CTKDError("BPE dropout is not supported (it makes encoding random)", field: "model.dropout")
        }
        let preTokenizerJSON = root.raw("pre_tokenizer") ?? .null
        let byteLevel = preTokenizerJSON.isNull ? false
            : try PreTokenizer(json: preTokenizerJSON, path: "pre_tokenizer").isByteLevel

        // Vocabulary: token → id, possibly with gaps in the ids.
        let vocabObject = try modelObject.object("vocab")
        var entries: [(String, Int)] = []
        for member in vocabObject.value.objectValue! {
            guard let id = member.value.intValue, id >= 0 else {
                throw CTKDError("expected a non-negative integer id", field: "model.vocab.\(member.key)")
            }
            entries.append((member.key, id))
        }
        var tokens = [String?](repeating: nil, count: (entries.map(\.1).max() ?? -1) + 1)
        var tokenToID: [String: Int] = [:]
        for (token, id) in entries {
            tokens[id] = token
            tokenToID[token] = id
        }
        let prefix = try modelObject.optionalString("continuing_subword_prefix")

        // Merges: "a b" strings (older files) or [a, b] pairs (tokenizers ≥ 0.20).
        var mergeList: [(left: Int, right: Int, newID: Int)] = []
        let merges = modelObject.raw("merges")?.arrayValue ?? []
        mergeList.reserveCapacity(merges.count)
        for (index, merge) in merges.enumerated() {
            let field = "model.merges[\(index)]"
            let left: String, right: String
            if let line = merge.stringValue {
                guard let space = line.firstIndex(of: " ") else { throw CTKDError("expected \"left right\"", field: field) }
                left = String(line[..<space])
                right = String(line[line.index(after: space)...])
            } else if let pair = merge.arrayValue, pair.count == 2, let l = pair[0].stringValue, let r = pair[1].stringValue {
                left = l
                right = r
            } else {
                throw CTKDError("expected \"left right\" or [left, right]", field: field)
            }
            var rightPart = Substring(right)
            if let prefix, rightPart.hasPrefix(prefix) { rightPart = rightPart.dropFirst(prefix.count) }
            guard let leftID = tokenToID[left], let rightID = tokenToID[right],
                  let newID = tokenToID[left + rightPart] else {
                throw CTKDError("merge of tokens that are not in the vocabulary", field: field)
            }
            mergeList.append((leftID, rightID, newID))
        }
        let model = BPEModel(
            tokens: tokens, mergeList: mergeList,
            unknownToken: try modelObject.optionalString("unk_token"),
            fuseUnknown: try modelObject.bool("fuse_unk", default: false),
            byteFallback: try modelObject.bool("byte_fallback", default: false),
            ignoreMerges: try modelObject.bool("ignore_merges", default: false),
            continuingSubwordPrefix: prefix,
            endOfWordSuffix: try modelObject.optionalString("end_of_word_suffix"),
            byteLevel: byteLevel)

        let addedTokens = try (root.raw("added_tokens")?.arrayValue ?? []).enumerated().map {
            try AddedToken(json: $1, path: "added_tokens[\($0)]")
        }
        let pipeline = PipelineJSON(normalizer: root.raw("normalizer") ?? .null, preTokenizer: preTokenizerJSON,
                                    postProcessor: root.raw("post_processor") ?? .null,
                                    decoder: root.raw("decoder") ?? .null)
        try self.init(model: model, addedTokens: addedTokens, pipelineJSON: pipeline)
    }

    /// The tokenizer as tokenizer.json (HF `tokenizers` loads it and encodes identically).
    public var json: JSONValue {
        var vocab: [(key: String, value: JSONValue)] = []
        vocab.reserveCapacity(model.tokens.count)
        for (id, token) in model.tokens.enumerated() { if let token { vocab.append((token, .number(Double(id)))) } }
        let merges: [JSONValue] = model.mergeList.map {
            .array([.string(model.tokens[$0.left] ?? ""), .string(model.tokens[$0.right] ?? "")])
        }
        func optionalString(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        let modelJSON: JSONValue = .object([
            ("type", .string("BPE")), ("dropout", .null), ("unk_token", optionalString(model.unknownToken)),
            ("continuing_subword_prefix", optionalString(model.continuingSubwordPrefix)),
            ("end_of_word_suffix", optionalString(model.endOfWordSuffix)),
            ("fuse_unk", .bool(model.fuseUnknown)), ("byte_fallback", .bool(model.byteFallback)),
            ("ignore_merges", .bool(model.ignoreMerges)), ("vocab", .object(vocab)), ("merges", .array(merges)),
        ])
        return .object([
            ("version", .string("1.0")), ("truncation", .null), ("padding", .null),
            ("added_tokens", .array(addedTokens.map(\.json))),
            ("normalizer", pipelineJSON.normalizer), ("pre_tokenizer", pipelineJSON.preTokenizer),
            ("post_processor", pipelineJSON.postProcessor), ("decoder", pipelineJSON.decoder),
            ("model", modelJSON),
        ])
    }

    /// Writes tokenizer.json atomically.
    public func save(to path: String) throws {
        try AtomicFile.write(JSONWriter.serialize(json), to: path)
    }

    /// GPT-2 from OpenAI's `encoder.json` (token → id) and `vocab.bpe` (merges, one "a b" a
    /// line after a `#version` line), with the pipeline HF's `BPE.from_file` + ByteLevel gives:
    /// ByteLevel pre-tokenizer (no prefix space) and decoder, no post-processor.
    public static func gpt2(encoderPath: String, mergesPath: String) throws -> Tokenizer {
        let encoder: JSONValue
        do { encoder = try JSONValue(parsing: try FileIO.read(encoderPath)) } catch let e as CTKDError { throw e.located(file: encoderPath) }
        guard encoder.objectValue != nil else { throw CTKDError("expected an object of token → id", file: encoderPath) }
        var merges: [JSONValue] = []
        let lines = try FileIO.readText(mergesPath).split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            if line.hasPrefix("#version") || line.isEmpty { continue }
            guard line.split(separator: " ").count == 2 else {
                throw CTKDError("expected two tokens separated by a space", file: mergesPath, line: index + 1)
            }
            merges.append(.string(String(line)))
        }
        let byteLevel: JSONValue = .object([("type", .string("ByteLevel")), ("add_prefix_space", .bool(false)),
                                            ("trim_offsets", .bool(true)), ("use_regex", .bool(true))])
        let json: JSONValue = .object([
            ("pre_tokenizer", byteLevel), ("decoder", byteLevel),
            ("model", .object([("type", .string("BPE")), ("vocab", encoder), ("merges", .array(merges))])),
        ])
        do { return try Tokenizer(json: json) } catch let e as CTKDError { throw e.located(file: mergesPath) }
    }
}
