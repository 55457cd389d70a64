import CTKDCore
import CTKDTokenizers

/// The teacher stage's tokenizer over a Hugging Face `tokenizer.json` (CTKDTokenizers): exact
/// byte spans per token, and each id's bytes in context for the byte beam's trie.
///
///     let tokenizer = try HuggingFaceTeacherTokenizer(path: "teacher/tokenizer.json")
///     let encoding = try tokenizer.encode(" Paris", addingSpecialTokens: false)
public final class HuggingFaceTeacherTokenizer: TeacherTokenizer {
    public let tokenizer: Tokenizer
    public let identity: String

    public init(path: String) throws {
        tokenizer = try Tokenizer(contentsOf: path)
        identity = try SHA256.hex(fileAt: path)
    }

    public var vocabularySize: Int { tokenizer.vocabularySize }
    public var endOfSequence: Int32? { tokenizer.eosTokenID.map { Int32($0) } }

    public func encode(_ text: String, addingSpecialTokens: Bool) throws -> TokenEncoding {
        let encoding = tokenizer.encode(text, addSpecialTokens: addingSpecialTokens)
        return TokenEncoding(ids: encoding.ids.map { Int32($0) }, byteSpans: encoding.offsets)
    }

    public func vocabularyBytes() -> [[UInt8]] { tokenizer.vocabularyBytes }
}
