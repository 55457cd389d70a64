import CTKDCore
import Foundation

/// Corpus scores: per metric the mean over examples with its bootstrap confidence interval, in
/// points (100 × fraction, as the SQuAD script and papers report them).
///
/// Written by `ctkd score --json` and read by the report:
///
///     {
///       "examples": 10570,
///       "missing_predictions": 0,
///       "bootstrap": {"resamples": 1000, "seed": 0, "confidence": 0.95},
///       "scores": {
///         "em": {"mean": 67.63481551561021, "low": 66.7, "high": 68.5},
///         …
///       }
///     }
public struct CorpusScores: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var score: ConfidenceInterval
    }

    public var examples: Int
    /// Questions without a prediction (SQuAD input), which scored 0.
    public var missingPredictions: Int?
    public var options: BootstrapOptions
    /// Every metric, in the per-example table's column order.
    public var entries: [Entry]

    public init(examples: Int, missingPredictions: Int? = nil, options: BootstrapOptions, entries: [Entry]) {
        self.examples = examples
        self.missingPredictions = missingPredictions
        self.options = options
        self.entries = entries
    }

    /// Means and intervals of every column of `scores`.
    public init(_ scores: PerExampleScores, options: BootstrapOptions = BootstrapOptions(), missingPredictions: Int? = nil) {
        let intervals = scores.values.withUnsafeBufferPointer {
            Bootstrap.confidenceIntervals(rows: scores.count, columns: scores.keys.count, values: $0, options: options)
        }
        let entries = scores.keys.indices.map { column in
            // `100 * sum / n` with the sum in example order, as evaluate-v1.1.py computes it, so
            // the official figures come out to the last digit.
            var sum = 0.0
            for example in 0..<scores.count { sum += scores.value(example: example, column: column) }
            var score = intervals[column].scaled(by: 100)
            score.mean = scores.count > 0 ? 100 * sum / Double(scores.count) : 0
            return Entry(key: scores.keys[column], score: score)
        }
        self.init(examples: scores.count, missingPredictions: missingPredictions, options: options, entries: entries)
    }

    public subscript(key: String) -> ConfidenceInterval? { entries.first { $0.key == key }?.score }

    /// The headline keys: everything but `…_precision` and `…_recall`.
    public var primaryKeys: [String] {
        entries.map(\.key).filter { !$0.hasSuffix("_precision") && !$0.hasSuffix("_recall") }
    }

    // MARK: - JSON

    public func json() -> String {
        var text = "{\n  \"examples\": \(examples),\n"
        if let missingPredictions { text += "  \"missing_predictions\": \(missingPredictions),\n" }
        text += "  \"bootstrap\": {\"resamples\": \(options.resamples), \"seed\": \(options.seed), "
            + "\"confidence\": \(JSONText.number(options.confidence))},\n  \"scores\": {\n"
        text += entries.map { entry in
            "    \(JSONText.quote(entry.key)): {\"mean\": \(JSONText.number(entry.score.mean)), "
                + "\"low\": \(JSONText.number(entry.score.low)), \"high\": \(JSONText.number(entry.score.high))}"
        }.joined(separator: ",\n")
        return text + "\n  }\n}\n"
    }

    public func write(to path: String) throws { try AtomicFile.write(json(), to: path) }

    public static func load(_ path: String) throws -> CorpusScores {
        let bytes = try FileIO.read(path)
        do {
            return try bytes.withUnsafeBufferPointer { buffer in
                var reader = JSONReader(buffer, reportsLines: true)
                var examples: Int?
                var missing: Int?
                var options = BootstrapOptions()
                var entries: [Entry]?
                try reader.forEachMember { reader, key in
                    switch key {
                    case "examples": examples = try readCount(&reader)
                    case "missing_predictions": missing = try readCount(&reader)
                    case "bootstrap": options = try readOptions(&reader)
                    case "scores":
                        var list = [Entry]()
                        try reader.forEachMember { reader, key in
                            list.append(Entry(key: key, score: try readInterval(&reader)))
                        }
                        entries = list
                    default: try reader.skipValue()
                    }
                }
                try reader.expectEnd()
                guard let examples else { throw CTKDError("missing field", field: "examples") }
                guard let entries else { throw CTKDError("missing field", field: "scores") }
                return CorpusScores(examples: examples, missingPredictions: missing, options: options, entries: entries)
            }
        } catch let error as CTKDError {
            throw error.located(file: path)
        }
    }

    private static func readCount(_ reader: inout JSONReader) throws -> Int {
        guard let count = Int(exactly: try reader.readNumber()), count >= 0 else { throw reader.fieldError("expected a non-negative integer") }
        return count
    }

    private static func readOptions(_ reader: inout JSONReader) throws -> BootstrapOptions {
        var options = BootstrapOptions()
        try reader.forEachMember { reader, key in
            switch key {
            case "resamples":
                guard let resamples = Int(exactly: try reader.readNumber()), resamples >= 0 else { throw reader.fieldError("expected a non-negative integer") }
                options.resamples = resamples
            case "seed":
                guard let seed = UInt64(exactly: try reader.readNumber()) else { throw reader.fieldError("expected a non-negative integer") }
                options.seed = seed
            case "confidence":
                options.confidence = try reader.readNumber()
                guard options.confidence > 0 && options.confidence < 1 else { throw reader.fieldError("expected a number between 0 and 1") }
            default: try reader.skipValue()
            }
        }
        return options
    }

    private static func readInterval(_ reader: inout JSONReader) throws -> ConfidenceInterval {
        var values = [String: Double]()
        try reader.forEachMember { reader, key in
            let value = try reader.readNumber()
            guard value.isFinite else { throw reader.fieldError("expected a finite number") }
            values[key] = value
        }
        for key in ["mean", "low", "high"] where values[key] == nil {
            throw reader.fieldError("missing \"\(key)\"")
        }
        return ConfidenceInterval(mean: values["mean"]!, low: values["low"]!, high: values["high"]!)
    }

    // MARK: - Markdown

    /// The headline metrics with their interval, and ROUGE precision/recall beside the F-measure.
    public func markdownTable() -> String {
        let confidence = String(format: "%g%%", options.confidence * 100)
        var lines = ["| metric | score | \(confidence) CI | precision | recall |", "|---|---:|:---:|---:|---:|"]
        for key in primaryKeys {
            let score = self[key]!
            let interval = options.resamples > 0 ? "\(Self.format(score.low)) – \(Self.format(score.high))" : "—"
            let precision = self[key + "_precision"].map { Self.format($0.mean) } ?? ""
            let recall = self[key + "_recall"].map { Self.format($0.mean) } ?? ""
            lines.append("| \(key) | \(Self.format(score.mean)) | \(interval) | \(precision) | \(recall) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Two decimals: the precision scores are reported with.
    public static func format(_ points: Double) -> String { String(format: "%.2f", points) }
}
