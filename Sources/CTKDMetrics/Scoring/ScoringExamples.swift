import CTKDCore

/// Examples to score: an id, a prediction and one or more references each, stored as UTF-8 in one
/// buffer so that scoring reads bytes without building strings.
///
///     var examples = ScoringExamples()
///     try examples.append(id: "q1", prediction: "Denver Broncos", references: ["Denver Broncos", "Broncos"])
///     let scores = CorpusScorer(metrics: .all).score(examples)
public struct ScoringExamples: Sendable {
    public private(set) var ids: [String] = []
    /// Every prediction and reference, back to back (UTF-8, valid by construction).
    private(set) var text: [UInt8] = []
    private(set) var predictionSpans: [Range<Int>] = []
    private(set) var referenceSpans: [Range<Int>] = []
    /// Per example, the end of its references in `referenceSpans`.
    private(set) var referenceEnds: [Int] = []

    public init() {}

    public var count: Int { ids.count }

    /// Adds an example. An empty reference list is an error: neither the SQuAD script nor
    /// rouge-score defines a score for it.
    public mutating func append(id: String, prediction: String, references: [String]) throws {
        guard !references.isEmpty else { throw CTKDError("needs at least one reference", field: "references") }
        beginExample(id: id)
        appendPrediction(Array(prediction.utf8)[...])
        for reference in references { appendReference(Array(reference.utf8)[...]) }
        endExample()
    }

    public func prediction(at index: Int) -> String {
        String(decoding: text[predictionSpans[index]], as: UTF8.self)
    }

    public func references(at index: Int) -> [String] {
        referenceRange(index).map { String(decoding: text[referenceSpans[$0]], as: UTF8.self) }
    }

    func referenceRange(_ index: Int) -> Range<Int> {
        (index == 0 ? 0 : referenceEnds[index - 1])..<referenceEnds[index]
    }

    // MARK: - Building from already validated UTF-8 (input readers)

    mutating func beginExample(id: String) { ids.append(id) }

    mutating func appendPrediction(_ bytes: some Collection<UInt8>) {
        predictionSpans.append(appendText(bytes))
    }

    mutating func appendReference(_ bytes: some Collection<UInt8>) {
        referenceSpans.append(appendText(bytes))
    }

    mutating func endExample() {
        precondition(predictionSpans.count == ids.count && referenceSpans.count > (referenceEnds.last ?? 0))
        referenceEnds.append(referenceSpans.count)
    }

    private mutating func appendText(_ bytes: some Collection<UInt8>) -> Range<Int> {
        let start = text.count
        text.append(contentsOf: bytes)
        return start..<text.count
    }
}
