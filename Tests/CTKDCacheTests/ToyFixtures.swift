import CTKDCore
@testable import CTKDCache

/// Test helpers: run the byte beam on a toy teacher exactly as the teacher stage does.
enum ToyFixtures {
    /// Beam distributions for `text` after BOS, through prefill → trie → beam → batched branches.
    static func beam(_ teacher: ToyTeacher, text: String, settings: ByteBeamSettings) throws -> ByteBeam {
        try beams(teacher, texts: [text], settings: settings)[0]
    }

    static func beams(_ teacher: ToyTeacher, texts: [String], settings: ByteBeamSettings) throws -> [ByteBeam] {
        let tokenizer = ToyTokenizer(teacher: teacher)
        let trie = VocabularyTrie(vocabularyBytes: teacher.vocabularyBytes)
        var sequences = [TeacherSequence](), prefilled = [ByteBeam.PrefilledText]()
        for (index, text) in texts.enumerated() {
            let encoding = try tokenizer.encode(text, addingSpecialTokens: false)
            let beamText = BeamText(bytes: Array(text.utf8), tokens: encoding.ids, tokenEnds: encoding.byteSpans.map(\.upperBound))
            try beamText.validate(vocabularyBytes: teacher.vocabularyBytes)
            sequences.append(TeacherSequence(tokens: [teacher.beginOfSequence] + encoding.ids, firstRow: 0))
            prefilled.append(ByteBeam.PrefilledText(sequence: index, promptCount: 1, text: beamText))
        }
        let prefill = try teacher.prefill(sequences)
        return try ByteBeam.run(texts: prefilled, prefill: prefill, vocabularySize: teacher.vocabularySize,
                                trie: trie, endOfSequence: teacher.endOfSequence, settings: settings)
    }

    static func singlePass(_ teacher: ToyTeacher, text: String) throws -> [Float] {
        let tokenizer = ToyTokenizer(teacher: teacher)
        let encoding = try tokenizer.encode(text, addingSpecialTokens: false)
        let beamText = BeamText(bytes: Array(text.utf8), tokens: encoding.ids, tokenEnds: encoding.byteSpans.map(\.upperBound))
        let prefill = try teacher.prefill([TeacherSequence(tokens: [teacher.beginOfSequence] + encoding.ids, firstRow: 0)])
        return ByteBeam.singlePassDistributions(
            trie: VocabularyTrie(vocabularyBytes: teacher.vocabularyBytes), endOfSequence: teacher.endOfSequence,
            text: beamText, canonicalRow: { prefill.logProbs(sequence: 0, prefixLength: 1 + $0) }).distributions
    }

    /// A random vocabulary over `alphabet`: every single letter plus `extra` longer strings.
    static func randomVocabulary(_ random: inout SeededRandom, alphabet: [UInt8], extra: Int, maxLength: Int) -> [[UInt8]] {
        var tokens = alphabet.map { [$0] }
        while tokens.count < alphabet.count + extra {
            let length = 2 + random.nextInt(below: maxLength - 1)
            let token = (0..<length).map { _ in alphabet[random.nextInt(below: alphabet.count)] }
            if !tokens.contains(token) { tokens.append(token) }
        }
        // Shuffle so that ids are not in any byte order.
        for index in stride(from: tokens.count - 1, to: 0, by: -1) {
            tokens.swapAt(index, random.nextInt(below: index + 1))
        }
        return tokens
    }

    static func distribution(_ distributions: [Float], at offset: Int) -> ArraySlice<Float> {
        distributions[(offset * ByteSymbol.count)..<((offset + 1) * ByteSymbol.count)]
    }
}
