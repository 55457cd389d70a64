import CTKDCore

/// rouge-score's `RougeScorer(rouge_types, use_stemmer)` for texts in memory.
///
///     let scorer = RougeScorer(types: [.rouge1, .rougeLsum], useStemmer: true)
///     let scores = try scorer.score(target: "The cat sat.\nIt purred.", prediction: "the cats sat")
///     scores[.rouge1]!.fmeasure
///
/// Note the order: target (reference) first, then prediction, as in rouge-score.
public struct RougeScorer: Sendable {
    public let types: [RougeType]
    public let useStemmer: Bool

    public init(types: [RougeType] = RougeType.allCases, useStemmer: Bool = false) {
        self.types = types
        self.useStemmer = useStemmer
    }

    public func score(target: String, prediction: String) -> [RougeType: RougeScore] {
        scores(targets: [target], prediction: prediction)
    }

    /// `score_multi`: per type, the score of the first target with the highest F-measure.
    public func scoreMulti(targets: [String], prediction: String) throws -> [RougeType: RougeScore] {
        guard !targets.isEmpty else { throw CTKDError("needs at least one target", field: "targets") }
        return scores(targets: targets, prediction: prediction)
    }

    /// `tokenize.tokenize(text, stemmer)`: the tokens ROUGE compares, stemmed if `useStemmer`.
    public func tokenize(_ text: String) -> [String] {
        var scorer = ExampleScorer(metrics: MetricSet(groups: []))
        return text.withUTF8Buffer { scorer.rougeTokens($0, stemmed: useStemmer) }
    }

    private func scores(targets: [String], prediction: String) -> [RougeType: RougeScore] {
        var scorer = ExampleScorer(metrics: MetricSet(groups: []))
        let texts = [prediction] + targets
        let bytes = texts.map { Array($0.utf8) }
        return withBuffers(bytes) { buffers in
            scorer.rougeScores(types, stemmed: useStemmer, prediction: buffers[0], references: Array(buffers.dropFirst()))
        }
    }
}

/// Calls `body` with an unsafe buffer for each byte array, all valid for the call.
func withBuffers<R>(_ arrays: [[UInt8]], _ body: ([UnsafeBufferPointer<UInt8>]) -> R) -> R {
    func nest(_ index: Int, _ buffers: [UnsafeBufferPointer<UInt8>]) -> R {
        if index == arrays.count { return body(buffers) }
        return arrays[index].withUnsafeBufferPointer { nest(index + 1, buffers + [$0]) }
    }
    return nest(0, [])
}
