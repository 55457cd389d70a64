import CTKDCore
import Foundation

/// A paired comparison of two systems' per-example scores, ready to print or save.
///
///     let comparison = try PairedComparison(a: student, b: baseline, nameA: "bld", nameB: "sft")
///     print(comparison.markdownTable())
public struct PairedComparison: Sendable, Equatable {
    public var nameA: String
    public var nameB: String
    public var examples: Int
    public var options: BootstrapOptions
    public var differences: [PairedDifference]

    public init(a: PerExampleScores, b: PerExampleScores, nameA: String = "A", nameB: String = "B",
                keys: [String]? = nil, options: BootstrapOptions = BootstrapOptions()) throws {
        self.nameA = nameA
        self.nameB = nameB
        examples = a.count
        self.options = options
        differences = try PairedBootstrap.compare(a, b, keys: keys, options: options)
    }

    public func markdownTable() -> String {
        let confidence = String(format: "%g%%", options.confidence * 100)
        var lines = ["| metric | \(nameA) | \(nameB) | \(nameA) − \(nameB) | \(confidence) CI | \(nameA) wins |",
                     "|---|---:|---:|---:|:---:|---:|"]
        for row in differences {
            let interval = options.resamples > 0
                ? "\(Self.signed(row.difference.low)) – \(Self.signed(row.difference.high))" : "—"
            lines.append("| \(row.key) | \(CorpusScores.format(row.meanA)) | \(CorpusScores.format(row.meanB)) | "
                         + "\(Self.signed(row.difference.mean)) | \(interval) | \(String(format: "%.1f%%", 100 * row.winShare)) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{"a", "b", "examples", "bootstrap", "differences": {key: {mean_a, mean_b, difference, low, high, win_share, tie_share}}}`, in points.
    public func json() -> String {
        var text = "{\n  \"a\": \(JSONText.quote(nameA)),\n  \"b\": \(JSONText.quote(nameB)),\n"
        text += "  \"examples\": \(examples),\n  \"bootstrap\": {\"resamples\": \(options.resamples), \"seed\": \(options.seed), "
            + "\"confidence\": \(JSONText.number(options.confidence))},\n  \"differences\": {\n"
        text += differences.map { row in
            "    \(JSONText.quote(row.key)): {\"mean_a\": \(JSONText.number(row.meanA)), \"mean_b\": \(JSONText.number(row.meanB)), "
                + "\"difference\": \(JSONText.number(row.difference.mean)), \"low\": \(JSONText.number(row.difference.low)), "
                + "\"high\": \(JSONText.number(row.difference.high)), \"win_share\": \(JSONText.number(row.winShare)), "
                + "\"tie_share\": \(JSONText.number(row.tieShare))}"
        }.joined(separator: ",\n")
        return text + "\n  }\n}\n"
    }

    /// Two decimals with an explicit sign.
    public static func signed(_ points: Double) -> String { String(format: "%+.2f", points) }
}
