import CTKDCore
import CTKDMetrics
import Foundation

/// `scores.json` of an evaluation: the groups its examples were scored in, each with its metric
/// groups, its files (relative to the evaluation directory) and its headline means (points).
///
///     {"examples": 300, "groups": [{"name": "qa", "metrics": ["squad"], "examples": 180,
///       "predictions": "predictions.qa.jsonl", "per_example": "scores.qa.jsonl", "scores": "scores.qa.json",
///       "means": {"em": 61.1, "f1": 70.2}}, …]}
public struct EvaluationSummary: Codable, Sendable, Equatable {
    public struct Group: Codable, Sendable, Equatable {
        /// `qa`, `summary`, or `all` (every example, one metric set).
        public var name: String
        public var metrics: [String]
        public var examples: Int
        public var predictions: String
        public var perExample: String
        public var scores: String
        public var means: [String: Double]

        enum CodingKeys: String, CodingKey {
            case name, metrics, examples, predictions, scores, means
            case perExample = "per_example"
        }
    }

    public var examples: Int
    public var groups: [Group]

    public static func load(_ path: String) throws -> EvaluationSummary {
        do {
            return try JSONDecoder().decode(EvaluationSummary.self, from: Data(try FileIO.read(path)))
        } catch let error as DecodingError {
            throw JSONLines.describe(error).located(file: path)
        }
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self) + [0x0A], to: path)
    }
}
