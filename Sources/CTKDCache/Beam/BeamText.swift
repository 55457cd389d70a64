/// The response as the byte beam walks it: its bytes and the teacher's canonical tokenization.
public struct BeamText: Sendable, Equatable {
    public var bytes: [UInt8]
    /// The teacher's response token ids (without EOS).
    public var tokens: [Int32]
    /// `tokenEnds[j]` is the byte offset where token j ends; token j starts where j - 1 ends.
    public var tokenEnds: [Int]

    public init(bytes: [UInt8], tokens: [Int32], tokenEnds: [Int]) {
        self.bytes = bytes
        self.tokens = tokens
        self.tokenEnds = tokenEnds
    }

    public func tokenStart(_ index: Int) -> Int { index == 0 ? 0 : tokenEnds[index - 1] }

    /// Checks that the tokens' bytes, concatenated, are exactly `bytes`, each token non-empty,
    /// so that the canonical path exists in the trie and its spawns are free.
    public func validate(vocabularyBytes: [[UInt8]]) throws {
        guard tokens.count == tokenEnds.count else { throw CTKDError("\(tokens.count) tokens but \(tokenEnds.count) byte ends") }
        var offset = 0
        for (index, token) in tokens.enumerated() {
            guard Int(token) >= 0 && Int(token) < vocabularyBytes.count else {
                throw CTKDError("response token \(index) has id \(token), outside the vocabulary (\(vocabularyBytes.count))")
            }
            let piece = vocabularyBytes[Int(token)]
            let end = tokenEnds[index]
            guard !piece.isEmpty else {
                throw CTKDError("response token \(index) (id \(token)) produces no bytes; special tokens inside a response are not supported")
            }
            guard end == offset + piece.count, end <= bytes.count, Array(bytes[offset..<end]) == piece else {
                throw CTKDError("response token \(index) (id \(token)) has bytes \(piece) but the response has \(Array(bytes[offset..<min(bytes.count, offset + piece.count)])) at byte \(offset)")
            }
            offset = end
        }
        guard offset == bytes.count else {
            throw CTKDError("the response tokens cover \(offset) of \(bytes.count) response bytes")
        }
    }
}

import CTKDCore
