import CTKDCore

/// Greedy longest-match tokenization over a `ToyTeacher`'s vocabulary: the canonical
/// tokenization the toy teacher's byte beam follows. Prompts get BOS in front.
public final class ToyTokenizer: TeacherTokenizer, @unchecked Sendable {
    // @unchecked: immutable after init.
    public let teacher: ToyTeacher
    let trie: VocabularyTrie

    public init(teacher: ToyTeacher) {
        self.teacher = teacher
        trie = VocabularyTrie(vocabularyBytes: teacher.vocabularyBytes)
    }

    public var vocabularySize: Int { teacher.vocabularySize }
    public var endOfSequence: Int32? { teacher.endOfSequence }
    public var identity: String { teacher.identity.weightsSHA256 }
    public func vocabularyBytes() -> [[UInt8]] { teacher.vocabularyBytes }

    public func encode(_ text: String, addingSpecialTokens: Bool) throws -> TokenEncoding {
        let bytes = Array(text.utf8)
        var ids = [Int32](), spans = [Range<Int>]()
        if addingSpecialTokens {
            ids.append(teacher.beginOfSequence)
            spans.append(0..<0)
        }
        var offset = 0
        while offset < bytes.count {
            var node = VocabularyTrie.root
            var best: (token: Int32, end: Int)?
            var index = offset
            while index < bytes.count, let next = trie.child(of: node, byte: bytes[index]) {
                node = next
                index += 1
                if let token = trie.terminalTokens(of: node).first { best = (token, index) }
            }
            guard let best else {
                throw CTKDError("the toy vocabulary has no token for byte \(bytes[offset]) at offset \(offset)")
            }
            ids.append(best.token)
            spans.append(offset..<best.end)
            offset = best.end
        }
        return TokenEncoding(ids: ids, byteSpans: spans)
    }
}
