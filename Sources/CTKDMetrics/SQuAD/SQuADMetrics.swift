import CTKDCore

/// SQuAD exact match and token F1, exactly as the official evaluation scripts compute them.
///
///     try SQuADMetrics.f1(prediction: "the Denver Broncos", references: ["Denver Broncos"])    // 1.0
///     try SQuADMetrics.exactMatch(prediction: "Broncos!", references: ["broncos"])           // 1.0
///     SQuADMetrics.normalize("The  Levi’s Stadium.")                                      // "levi’s stadium"
///
/// v1.1 (`evaluate-v1.1.py`): the maximum over the references of EM and of F1 (separately); F1 is
/// 0 whenever no token is shared, so an empty normalised prediction or reference gives F1 = 0
/// (even when both are empty and EM = 1). v2.0 (`evaluate-v2.0.py`, one question): references
/// that normalise to nothing are dropped, no reference left means the gold answer is `""`, and F1
/// is 1 when both sides have no tokens and 0 when only one side has none.
/// Values are fractions in [0, 1]; corpus scores are 100 × the mean.
public enum SQuADMetrics {
    /// `normalize_answer`: lower-case, drop ASCII punctuation, drop the articles a/an/the,
    /// collapse white space.
    public static func normalize(_ text: String) -> String {
        var tokenizer = SQuADTokenizer()
        return tokenizer.tokens(text).joined(separator: " ")
    }

    public static func exactMatch(prediction: String, references: [String]) throws -> Double {
        try score(prediction, references, .squad, key: "em")
    }

    public static func f1(prediction: String, references: [String]) throws -> Double {
        try score(prediction, references, .squad, key: "f1")
    }

    public static func exactMatchSQuAD2(prediction: String, references: [String]) throws -> Double {
        try score(prediction, references, .squad2, key: "em_squad2")
    }

    public static func f1SQuAD2(prediction: String, references: [String]) throws -> Double {
        try score(prediction, references, .squad2, key: "f1_squad2")
    }

    private static func score(_ prediction: String, _ references: [String], _ group: MetricGroup, key: String) throws -> Double {
        let metrics = MetricSet(groups: [group])
        var examples = ScoringExamples()
        try examples.append(id: "", prediction: prediction, references: references)
        var scorer = ExampleScorer(metrics: metrics)
        return scorer.scoreRow(examples, 0)[metrics.column(of: key)!]
    }

    // MARK: - On token ids

    /// EM of two normalised token sequences (equal sequences ⇔ equal normalised strings).
    static func exactMatch(_ prediction: UnsafeBufferPointer<Int32>, _ reference: UnsafeBufferPointer<Int32>) -> Double {
        prediction.elementsEqual(reference) ? 1 : 0
    }

    /// v1.1 `f1_score`; `counts` is zero for every id on entry and on return.
    static func f1(_ prediction: UnsafeBufferPointer<Int32>, _ reference: UnsafeBufferPointer<Int32>,
                   counts: UnsafeMutableBufferPointer<Int32>) -> Double {
        for token in reference { counts[Int(token)] += 1 }
        var shared = 0
        for token in prediction where counts[Int(token)] > 0 {
            shared += 1
            counts[Int(token)] -= 1
        }
        for token in reference { counts[Int(token)] = 0 }
        if shared == 0 { return 0 }
        let precision = Double(shared) / Double(prediction.count)
        let recall = Double(shared) / Double(reference.count)
        return (2 * precision * recall) / (precision + recall)
    }

    /// v2.0 `compute_f1`: `int(gold_toks == pred_toks)` when either side has no tokens.
    static func f1SQuAD2(_ prediction: UnsafeBufferPointer<Int32>, _ reference: UnsafeBufferPointer<Int32>,
                         counts: UnsafeMutableBufferPointer<Int32>) -> Double {
        if prediction.isEmpty || reference.isEmpty { return prediction.count == reference.count ? 1 : 0 }
        return f1(prediction, reference, counts: counts)
    }
}
