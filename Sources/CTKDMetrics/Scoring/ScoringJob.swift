import CTKDCore
import Foundation

/// One `ctkd score` run: read the input, score every example, write the per-example table and
/// the corpus scores atomically (both only after everything succeeded).
///
///     let job = ScoringJob(input: .jsonLines("pred.jsonl"), metrics: .all,
///                          perExamplePath: "scores.jsonl", corpusPath: "scores.json")
///     let result = try job.run()
///     print(result.corpus.markdownTable())
public struct ScoringJob: Sendable {
    public enum Input: Sendable, Equatable {
        /// JSON Lines of `{"id", "prediction", "references"}`.
        case jsonLines(String)
        /// The official SQuAD pair: dataset JSON and `{id: answer}` predictions JSON.
        case squad(dataset: String, predictions: String)
    }

    public struct Result: Sendable {
        public var perExample: PerExampleScores
        public var corpus: CorpusScores
        /// Things the user should know that are not errors (the official script prints them too).
        public var warnings: [String]
    }

    public var input: Input
    public var metrics: MetricSet
    public var options: BootstrapOptions
    public var perExamplePath: String?
    public var corpusPath: String?

    public init(input: Input, metrics: MetricSet = .all, options: BootstrapOptions = BootstrapOptions(),
                perExamplePath: String? = nil, corpusPath: String? = nil) {
        self.input = input
        self.metrics = metrics
        self.options = options
        self.perExamplePath = perExamplePath
        self.corpusPath = corpusPath
    }

    public func run() throws -> Result {
        var warnings = [String]()
        var scores: PerExampleScores
        var missing: Int?
        switch input {
        case .jsonLines(let path):
            let examples = try ScoringInput.loadJSONLines(path)
            guard examples.count > 0 else { throw CTKDError("no examples", file: path) }
            scores = CorpusScorer(metrics: metrics).score(examples)
        case .squad(let dataset, let predictions):
            let squad = try SQuADInput.load(dataset: dataset, predictions: predictions)
            if let version = squad.version, version != "1.1" {
                warnings.append("\(dataset): evaluation expects v-1.1, but got dataset with v-\(version)")
            }
            scores = CorpusScorer(metrics: metrics).score(squad.examples)
            squad.zeroMissing(&scores)
            missing = squad.missingCount
            if let missing, missing > 0 {
                let first = zip(squad.examples.ids, squad.missing).first { $0.1 }!.0
                warnings.append("\(missing) questions have no prediction and score 0 (first: \(first))")
            }
            if squad.extraPredictions > 0 {
                warnings.append("\(squad.extraPredictions) predictions answer ids that are not in the dataset; they are ignored")
            }
        }
        let corpus = CorpusScores(scores, options: options, missingPredictions: missing)
        // Both files are complete in their temporary names before either is renamed into place.
        let perExampleWriter = try perExamplePath.map { try AtomicFileWriter(path: $0) }
        let corpusWriter = try corpusPath.map { try AtomicFileWriter(path: $0) }
        try perExampleWriter?.write(scores.jsonLines())
        try corpusWriter?.write(corpus.json())
        try perExampleWriter?.commit()
        try corpusWriter?.commit()
        return Result(perExample: scores, corpus: corpus, warnings: warnings)
    }
}
