import ArgumentParser
import CTKDCore
import CTKDMetrics

extension CTKD.Score {
    /// `ctkd score compare A B`: paired bootstrap of two per-example score files.
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Paired bootstrap comparison of two per-example score files (A − B).",
            discussion: """
                Both files are `ctkd score --per-example` outputs over the same ids. Prints, per metric, \
                the means, the difference A − B with its confidence interval (points) and the share \
                of resamples in which A wins.
                """)

        @Argument(help: "Per-example scores of system A.")
        var a: String

        @Argument(help: "Per-example scores of system B (the baseline).")
        var b: String

        @Option(help: "Metric keys to compare, comma-separated (default: the headline metrics both files have).")
        var metrics: String?

        @Option(help: "Write the comparison (JSON) here.")
        var json: String?

        @Option(name: .customLong("name-a"), help: "Name of A in the table.")
        var nameA: String = "A"

        @Option(name: .customLong("name-b"), help: "Name of B in the table.")
        var nameB: String = "B"

        @OptionGroup var bootstrap: BootstrapArguments

        func run() throws {
            let scoresA = try PerExampleScores.load(a)
            let scoresB = try PerExampleScores.load(b)
            let keys = metrics.map { $0.split(separator: ",").map(String.init) }
                ?? scoresA.keys.filter { scoresB.keys.contains($0) && !$0.hasSuffix("_precision") && !$0.hasSuffix("_recall") }
            let comparison: PairedComparison
            do {
                comparison = try PairedComparison(a: scoresA, b: scoresB, nameA: nameA, nameB: nameB,
                                                  keys: keys, options: bootstrap.options)
            } catch let error as CTKDError {
                throw CTKDError("\(a) vs \(b): \(error.message)")
            }
            if let json { try AtomicFile.write(comparison.json(), to: json) }
            print(comparison.markdownTable(), terminator: "")
        }
    }
}
