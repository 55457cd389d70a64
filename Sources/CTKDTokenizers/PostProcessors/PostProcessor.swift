import CTKDCore

/// The `post_processor` of a tokenizer.json: the special tokens added around an encoded
/// sequence (`<s> $A`, `<|begin_of_text|> $A`, `[CLS] $A [SEP]`) when `addSpecialTokens` is set.
///
/// Supported `"type"`s: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel (adds
/// nothing; its `trim_offsets` only changes HF's offsets, see `huggingFaceOffsets`), Sequence.
public struct PostProcessor: Sendable {
    /// Ids before and after the sequence, for one sequence (HF's `single` template).
    public var prefixIDs: [Int] = []
    public var suffixIDs: [Int] = []
    /// Whether HF trims the leading/trailing spaces of byte-level tokens out of their offsets.
    public var trimsByteLevelOffsets = false

    public init() {}

    public init(json: JSONValue, path: String) throws {
        let object = try JSONObjectReader(json, path: path)
        let type = try object.string("type")
        switch type {
        case "TemplateProcessing":
            let specials = try object.optionalObject("special_tokens")
            var seenSequence = false
            for (index, piece) in try object.array("single").enumerated() {
                let piecePath = object.fieldPath("single") + "[\(index)]"
                let pieceObject = try JSONObjectReader(piece, path: piecePath)
                if pieceObject.has("Sequence") { seenSequence = true; continue }
                let special = try pieceObject.object("SpecialToken")
                let name = try special.string("id")
                guard let entry = try specials?.optionalObject(name) else {
                    throw CTKDError("special token \"\(name)\" is not in special_tokens", field: piecePath)
                }
                let ids = try entry.array("ids").enumerated().map { k, value in
                    guard let id = value.intValue else { throw CTKDError("expected an integer", field: entry.fieldPath("ids") + "[\(k)]") }
                    return id
                }
                if seenSequence { suffixIDs += ids } else { prefixIDs += ids }
            }
        case "BertProcessing", "RobertaProcessing":
            func id(_ key: String) throws -> Int {
                let pair = try object.array(key)
                guard pair.count == 2, let id = pair[1].intValue else {
                    throw CTKDError("expected [token, id]", field: object.fieldPath(key))
                }
                return id
            }
            prefixIDs = [try id("cls")]
            suffixIDs = [try id("sep")]
            let trims = try object.bool("trim_offsets", default: true)
            trimsByteLevelOffsets = type == "RobertaProcessing" && trims
        case "ByteLevel":
            trimsByteLevelOffsets = try object.bool("trim_offsets", default: true)
        case "Sequence":
            for (index, item) in try object.array("processors").enumerated() {
                let inner = try PostProcessor(json: item, path: object.fieldPath("processors") + "[\(index)]")
                prefixIDs += inner.prefixIDs
                suffixIDs = inner.suffixIDs + suffixIDs
                trimsByteLevelOffsets = trimsByteLevelOffsets || inner.trimsByteLevelOffsets
            }
        default:
            throw CTKDError("unsupported post-processor type \"\(type)\"", field: object.fieldPath("type"))
        }
    }
}
