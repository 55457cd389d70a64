extension ByteBeam {
    /// The single-pass approximation (methods.md §2): condition on the canonical tokenization only.
    /// Inside canonical token j the distribution is the children masses of the node for the
    /// token's bytes so far under row j; at a token boundary it is the root's children plus END.
    /// It needs no teacher evaluation beyond the prefill.
    ///
    /// - Returns: `(text.bytes.count + 1) × 257` floats, and the number of uniform fallbacks.
    public static func singlePassDistributions(
        trie: VocabularyTrie, endOfSequence: Int32?, text: BeamText,
        canonicalRow: (Int) -> UnsafeBufferPointer<Float>
    ) -> (distributions: [Float], fallbacks: Int) {
        var output = [Float]()
        output.reserveCapacity((text.bytes.count + 1) * ByteSymbol.count)
        var fallbacks = 0
        var scores = [Double](repeating: 0, count: ByteSymbol.count)
        var token = 0
        var node: VocabularyTrie.Node? = VocabularyTrie.root
        var masses = PrefixMasses(logProbs: canonicalRow(0), trie: trie, endOfSequence: endOfSequence)
        for offset in 0...text.bytes.count {
            if token < text.tokens.count && offset == text.tokenEnds[token] {
                token += 1
                node = VocabularyTrie.root
                masses = PrefixMasses(logProbs: canonicalRow(token), trie: trie, endOfSequence: endOfSequence)
            }
            for index in scores.indices { scores[index] = 0 }
            if let node {
                for index in trie.childRange(of: node) {
                    scores[Int(trie.childBytes[index])] = masses.mass(trie.childNodes[index], in: trie)
                }
                if node == VocabularyTrie.root { scores[ByteSymbol.end] = masses.endOfSequence }
            }
            appendNormalized(scores, to: &output, fallbacks: &fallbacks)
            if offset < text.bytes.count, let current = node {
                node = trie.child(of: current, byte: text.bytes[offset])
            }
        }
        return (output, fallbacks)
    }
}
