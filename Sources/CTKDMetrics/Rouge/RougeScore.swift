/// The four ROUGE variants rouge-score computes.
public enum RougeType: String, CaseIterable, Sendable, Codable {
    /// Unigram overlap.
    case rouge1
    /// Bigram overlap.
    case rouge2
    /// Longest common subsequence of the whole token sequences.
    case rougeL
    /// Summary-level LCS: union LCS over newline-separated sentences (Lin 2004, §3.2).
    case rougeLsum
}

/// rouge-score's `Score` namedtuple: precision, recall and F-measure as fractions in [0, 1].
public struct RougeScore: Equatable, Sendable, Codable {
    public var precision: Double
    public var recall: Double
    public var fmeasure: Double

    public static let zero = RougeScore(precision: 0, recall: 0, fmeasure: 0)

    public init(precision: Double, recall: Double, fmeasure: Double) {
        self.precision = precision
        self.recall = recall
        self.fmeasure = fmeasure
    }

    /// `scoring.fmeasure`: `2 * p * r / (p + r)` evaluated left to right as Python does, 0 when
    /// `p + r` is 0.
    public init(precision: Double, recall: Double) {
        self.precision = precision
        self.recall = recall
        fmeasure = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
    }

    /// Counts as rouge-score divides them (Python's `/` on ints is a correctly rounded division).
    init(hits: Int, predictionCount: Int, targetCount: Int) {
        self.init(precision: Double(hits) / Double(predictionCount), recall: Double(hits) / Double(targetCount))
    }
}
