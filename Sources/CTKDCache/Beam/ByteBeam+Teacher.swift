extension ByteBeam {
    /// One example of a prefill: which sequence it is and where its response starts.
    public struct PrefilledText {
        public var sequence: Int
        public var promptCount: Int
        public var text: BeamText

        public init(sequence: Int, promptCount: Int, text: BeamText) {
            self.sequence = sequence
            self.promptCount = promptCount
            self.text = text
        }
    }

    /// Computes the byte distributions of every text of one prefill, stepping all beams one byte
    /// offset at a time so that each offset's branch evaluations, over all texts, go to the teacher
    /// in one batched call.
    ///
    /// - Returns: one finished beam per text (`distributions`, `evaluationCount`, `fallbackCount`).
    public static func run(texts: [PrefilledText], prefill: any TeacherPrefill, vocabularySize: Int,
                           trie: VocabularyTrie, endOfSequence: Int32?,
                           settings: ByteBeamSettings) throws -> [ByteBeam] {
        var beams = texts.map { ByteBeam(trie: trie, endOfSequence: endOfSequence, text: $0.text, settings: settings) }
        var rows = [Float]()
        while beams.contains(where: { !$0.isFinished }) {
            var requests = [BranchRequest]()
            var requestRanges = [Range<Int>](repeating: 0..<0, count: beams.count)
            for index in beams.indices where !beams[index].isFinished {
                let text = texts[index]
                let branches = beams[index].prepareOffset(canonicalRow: canonicalRow(prefill, text))
                let start = requests.count
                for branch in branches {
                    requests.append(BranchRequest(sequence: text.sequence,
                                                  prefixLength: text.promptCount + branch.canonicalCount,
                                                  extraTokens: branch.extraTokens))
                }
                requestRanges[index] = start..<requests.count
            }
            if rows.count < requests.count * vocabularySize {
                rows = [Float](repeating: 0, count: requests.count * vocabularySize)
            }
            try rows.withUnsafeMutableBufferPointer { buffer in
                if !requests.isEmpty { try prefill.evaluate(requests, into: buffer) }
                for index in beams.indices where !beams[index].isFinished {
                    let range = requestRanges[index]
                    let slice = UnsafeBufferPointer(rebasing: buffer[(range.lowerBound * vocabularySize)..<(range.upperBound * vocabularySize)])
                    beams[index].completeOffset(evaluatedRows: slice, rowWidth: vocabularySize,
                                                canonicalRow: canonicalRow(prefill, texts[index]))
                }
            }
        }
        return beams
    }

    static func canonicalRow(_ prefill: any TeacherPrefill, _ text: PrefilledText) -> (Int) -> UnsafeBufferPointer<Float> {
        { prefill.logProbs(sequence: text.sequence, prefixLength: text.promptCount + $0) }
    }
}
