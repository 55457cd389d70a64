import CTKDCore

/// Scores many examples in parallel into a `PerExampleScores` table.
///
///     let scores = CorpusScorer(metrics: MetricSet(groups: [.squad])).score(examples)
///     scores.mean("f1")     // fraction; × 100 for the usual SQuAD figure
public struct CorpusScorer: Sendable {
    public let metrics: MetricSet

    public init(metrics: MetricSet = .all) { self.metrics = metrics }

    public func score(_ examples: ScoringExamples) -> PerExampleScores {
        let width = metrics.keys.count
        var values = [Double](repeating: 0, count: examples.count * width)
        values.withUnsafeMutableBufferPointer { buffer in
            let base = UncheckedPointer(buffer.baseAddress!)
            // Contiguous chunks, one scorer each: its interner and stem cache stay warm.
            Parallel.forEachChunk(examples.count, minimumChunk: 64) { range in
                var scorer = ExampleScorer(metrics: metrics)
                for index in range {
                    scorer.score(examples, index, into: UnsafeMutableBufferPointer(start: base.pointer + index * width, count: width))
                }
            }
        }
        return PerExampleScores(ids: examples.ids, keys: metrics.keys, values: values)
    }
}
