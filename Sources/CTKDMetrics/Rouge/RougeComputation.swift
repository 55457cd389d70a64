/// Several tokenized texts back to back, with each text's sentence (line) boundaries.
struct TokenizedTexts {
    var tokens: [Int32] = []
    /// Per text, the end of each of its sentences, counted from the text's first token.
    var sentenceEnds: [Int] = []
    /// Per text, the end of its tokens in `tokens` and of its sentences in `sentenceEnds`.
    var textTokenEnds: [Int] = []
    var textSentenceEnds: [Int] = []

    var count: Int { textTokenEnds.count }

    mutating func removeAll() {
        tokens.removeAll(keepingCapacity: true)
        sentenceEnds.removeAll(keepingCapacity: true)
        textTokenEnds.removeAll(keepingCapacity: true)
        textSentenceEnds.removeAll(keepingCapacity: true)
    }

    /// Closes the text whose tokens and sentence ends were appended since the previous one.
    mutating func endText() {
        textTokenEnds.append(tokens.count)
        textSentenceEnds.append(sentenceEnds.count)
    }

    func tokenRange(_ text: Int) -> Range<Int> {
        (text == 0 ? 0 : textTokenEnds[text - 1])..<textTokenEnds[text]
    }

    func sentenceRange(_ text: Int) -> Range<Int> {
        (text == 0 ? 0 : textSentenceEnds[text - 1])..<textSentenceEnds[text]
    }

    /// Calls `body` with text `index`'s tokens and sentence ends.
    func withText<R>(_ index: Int, _ body: (UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Int>) -> R) -> R {
        tokens.withUnsafeBufferPointer { allTokens in
            sentenceEnds.withUnsafeBufferPointer { allEnds in
                body(UnsafeBufferPointer(rebasing: allTokens[tokenRange(index)]),
                     UnsafeBufferPointer(rebasing: allEnds[sentenceRange(index)]))
            }
        }
    }
}

/// ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum of one prediction against one target, on token ids,
/// exactly as rouge-score's `_score_ngrams`, `_score_lcs` and `_summary_level_lcs` compute them.
/// Holds the scratch memory so that scoring allocates nothing once warm.
struct RougeComputation {
    /// Per token id: a count, zero between calls.
    private var targetCounts: [Int32] = []
    private var predictionCounts: [Int32] = []
    /// Per token id: -1, or its row in `lcsMasks` during an LCS length computation.
    private var lcsSlots: [Int32] = []
    private var lcsMasks: [UInt64] = []
    private var lcsBits: [UInt64] = []
    private var lcsTable: [Int32] = []
    private var marks: [Bool] = []
    private var targetBigrams: [UInt64] = []
    private var predictionBigrams: [UInt64] = []

    /// Makes the per-id arrays cover ids below `vocabularySize`.
    mutating func reserve(vocabularySize: Int) {
        if targetCounts.count < vocabularySize {
            let size = max(vocabularySize, targetCounts.count * 2)
            targetCounts += Array(repeating: 0, count: size - targetCounts.count)
            predictionCounts += Array(repeating: 0, count: size - predictionCounts.count)
            lcsSlots += Array(repeating: -1, count: size - lcsSlots.count)
        }
    }

    mutating func score(_ type: RougeType, target: UnsafeBufferPointer<Int32>, targetSentenceEnds: UnsafeBufferPointer<Int>,
                        prediction: UnsafeBufferPointer<Int32>, predictionSentenceEnds: UnsafeBufferPointer<Int>) -> RougeScore {
        switch type {
        case .rouge1: return rouge1(target: target, prediction: prediction)
        case .rouge2: return rouge2(target: target, prediction: prediction)
        case .rougeL: return rougeL(target: target, prediction: prediction)
        case .rougeLsum:
            return rougeLsum(target: target, targetSentenceEnds: targetSentenceEnds,
                             prediction: prediction, predictionSentenceEnds: predictionSentenceEnds)
        }
    }

    /// Unigram overlap `Σ min(count_t, count_p)`: each prediction token consumes one target count.
    mutating func rouge1(target: UnsafeBufferPointer<Int32>, prediction: UnsafeBufferPointer<Int32>) -> RougeScore {
        var overlap = 0
        targetCounts.withUnsafeMutableBufferPointer { counts in
            for token in target { counts[Int(token)] += 1 }
            for token in prediction where counts[Int(token)] > 0 {
                overlap += 1
                counts[Int(token)] -= 1
            }
            for token in target { counts[Int(token)] = 0 }
        }
        return RougeScore(hits: overlap, predictionCount: max(prediction.count, 1), targetCount: max(target.count, 1))
    }

    /// Bigram overlap: both bigram lists sorted, then merged with `min` counts.
    mutating func rouge2(target: UnsafeBufferPointer<Int32>, prediction: UnsafeBufferPointer<Int32>) -> RougeScore {
        Self.collectBigrams(target, into: &targetBigrams)
        Self.collectBigrams(prediction, into: &predictionBigrams)
        var overlap = 0
        var i = 0
        var j = 0
        while i < targetBigrams.count && j < predictionBigrams.count {
            if targetBigrams[i] < predictionBigrams[j] {
                i += 1
            } else if targetBigrams[i] > predictionBigrams[j] {
                j += 1
            } else {
                overlap += 1
                i += 1
                j += 1
            }
        }
        return RougeScore(hits: overlap, predictionCount: max(predictionBigrams.count, 1),
                          targetCount: max(targetBigrams.count, 1))
    }

    private static func collectBigrams(_ tokens: UnsafeBufferPointer<Int32>, into bigrams: inout [UInt64]) {
        bigrams.removeAll(keepingCapacity: true)
        guard tokens.count >= 2 else { return }
        for index in 0..<(tokens.count - 1) {
            bigrams.append(UInt64(UInt32(bitPattern: tokens[index])) << 32 | UInt64(UInt32(bitPattern: tokens[index + 1])))
        }
        bigrams.sort()
    }

    mutating func rougeL(target: UnsafeBufferPointer<Int32>, prediction: UnsafeBufferPointer<Int32>) -> RougeScore {
        if target.isEmpty || prediction.isEmpty { return .zero }
        var slots = [Int32]()
        swap(&slots, &lcsSlots)
        defer { swap(&slots, &lcsSlots) }
        let lcs = slots.withUnsafeMutableBufferPointer {
            LongestCommonSubsequence.length(target, prediction, slots: $0, masks: &lcsMasks, bits: &lcsBits)
        }
        return RougeScore(hits: lcs, predictionCount: prediction.count, targetCount: target.count)
    }

    /// Summary-level LCS: for each target sentence, the union of its LCS index sets with every
    /// prediction sentence, walked in index order; a token is a hit while both its total target
    /// count and total prediction count remain above zero, and each hit uses one of each.
    mutating func rougeLsum(target: UnsafeBufferPointer<Int32>, targetSentenceEnds: UnsafeBufferPointer<Int>,
                            prediction: UnsafeBufferPointer<Int32>, predictionSentenceEnds: UnsafeBufferPointer<Int>) -> RougeScore {
        if target.isEmpty || prediction.isEmpty { return .zero }
        // The count arrays are moved out while `markUnionLCS` mutates the rest of `self`.
        var targetCounts = [Int32]()
        var predictionCounts = [Int32]()
        swap(&targetCounts, &self.targetCounts)
        swap(&predictionCounts, &self.predictionCounts)
        defer {
            swap(&targetCounts, &self.targetCounts)
            swap(&predictionCounts, &self.predictionCounts)
        }
        for token in target { targetCounts[Int(token)] += 1 }
        for token in prediction { predictionCounts[Int(token)] += 1 }
        var hits = 0
        var sentenceStart = 0
        for sentenceEnd in targetSentenceEnds {
            let sentence = UnsafeBufferPointer(rebasing: target[sentenceStart..<sentenceEnd])
            sentenceStart = sentenceEnd
            markUnionLCS(sentence, prediction: prediction, predictionSentenceEnds: predictionSentenceEnds)
            for index in sentence.indices where marks[index] {
                let token = Int(sentence[index])
                if predictionCounts[token] > 0 && targetCounts[token] > 0 {
                    hits += 1
                    predictionCounts[token] -= 1
                    targetCounts[token] -= 1
                }
            }
        }
        for token in target { targetCounts[Int(token)] = 0 }
        for token in prediction { predictionCounts[Int(token)] = 0 }
        return RougeScore(hits: hits, predictionCount: prediction.count, targetCount: target.count)
    }

    /// Sets `marks[i]` for the indices of `sentence` in the union of its LCSs with each
    /// prediction sentence (`_union_lcs`).
    private mutating func markUnionLCS(_ sentence: UnsafeBufferPointer<Int32>, prediction: UnsafeBufferPointer<Int32>,
                                       predictionSentenceEnds: UnsafeBufferPointer<Int>) {
        if marks.count < sentence.count { marks = Array(repeating: false, count: sentence.count * 2) }
        marks.withUnsafeMutableBufferPointer { marks in
            for index in sentence.indices { marks[index] = false }
            var start = 0
            for end in predictionSentenceEnds {
                let candidate = UnsafeBufferPointer(rebasing: prediction[start..<end])
                start = end
                LongestCommonSubsequence.markBacktrack(reference: sentence, candidate: candidate,
                                                       table: &lcsTable, marks: marks)
            }
        }
    }
}
