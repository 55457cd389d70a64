import CTKDCore

/// `teacher:` — trained from scratch by ctkd (a `model:` and training settings), or loaded from a
/// Hugging Face model directory (`from:`).
///
///     teacher:
///       tokenizer: bpe2k
///       model: {layers: 4, d_model: 256, heads: 8}
///       steps: 3000
public struct TeacherSpec: Decodable, Sendable {
    public enum Source: Sendable {
        case train(ModelSpec, TrainingSpec)
        /// A directory with config.json and model.safetensors (and tokenizer.json unless
        /// `tokenizer:` names another).
        case directory(PathValue)
    }

    public var source: Source
    /// A name from `tokenizers:`; required when training, optional with `from:`.
    public var tokenizer: Located<String>?
    public var location: SourceLocation

    enum CodingKeys: String, SchemaCodingKey {
        case from, tokenizer, model
    }

    public init(from decoder: any Decoder) throws {
        let all = try decoder.container(keyedBy: CombinedKeys<CodingKeys, TrainingSpec.CodingKeys>.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        location = decoder.sourceLocation
        tokenizer = try c.decodeIfPresent(Located<String>.self, forKey: .tokenizer)
        let from = try c.decodeIfPresent(PathValue.self, forKey: .from)
        let model = try c.decodeIfPresent(ModelSpec.self, forKey: .model)
        switch (from, model) {
        case (let path?, nil):
            if let key = all.allKeys.first(where: { TrainingSpec.CodingKeys.names.contains($0.stringValue) }) {
                throw decoder.schemaError("applies only to a teacher trained here (with \"model\")", atKey: key.stringValue)
            }
            source = .directory(path)
        case (nil, let model?):
            guard tokenizer != nil else { throw decoder.schemaError("a teacher trained here needs \"tokenizer\"") }
            source = .train(model, try TrainingSpec(from: decoder))
        case (nil, nil): throw decoder.schemaError("needs \"model\" (train it here) or \"from\" (a model directory)")
        case (_?, _?): throw decoder.schemaError("has both \"model\" and \"from\"; keep one")
        }
    }
}
