import ArgumentParser
import CTKDCore
import CTKDMetrics
import Foundation

extension CTKD {
    /// `ctkd score`: EM/F1 and ROUGE of predictions, with bootstrap confidence intervals.
    struct Score: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score predictions: SQuAD EM/F1 (v1.1 and v2) and ROUGE-1/2/L/Lsum, with 95% CIs.",
            discussion: "`ctkd score FILE.jsonl` and `ctkd score --squad D --predictions P` run `files`, the default.",
            subcommands: [Files.self, Compare.self],
            defaultSubcommand: Files.self)
    }
}

extension CTKD.Score {
    /// `ctkd score [files] …`: score a JSON Lines file or an official SQuAD pair.
    struct Files: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score a JSON Lines file or an official SQuAD dataset/predictions pair.",
            discussion: """
                Input: JSON Lines of {"id", "prediction", "references": [..] | ".."}, or the official \
                SQuAD pair --squad DEV.json --predictions PRED.json (a question without a prediction \
                scores 0; predictions for unknown ids are ignored). Prints the corpus table (points, \
                100 × mean) on stdout; --per-example and --json write the per-example values \
                (fractions) and the corpus scores. `ctkd score compare A B` compares two per-example files.
                """)

        @Argument(help: "JSON Lines file of {id, prediction, references}.")
        var input: String?

        @Option(help: "SQuAD dataset JSON (official format); use with --predictions.")
        var squad: String?

        @Option(help: "SQuAD predictions JSON {question id: answer}; use with --squad.")
        var predictions: String?

        @Option(help: "Metric groups, comma-separated: \(MetricGroup.allCases.map(\.rawValue).joined(separator: ",")).")
        var metrics: String = MetricGroup.allCases.map(\.rawValue).joined(separator: ",")

        @Option(name: .customLong("per-example"), help: "Write per-example scores (JSON Lines) here.")
        var perExample: String?

        @Option(help: "Write corpus scores with confidence intervals (JSON) here.")
        var json: String?

        @OptionGroup var bootstrap: BootstrapArguments

        func validate() throws {
            switch (input, squad, predictions) {
            case (.some, nil, nil), (nil, .some, .some): break
            case (.some, _, _): throw ValidationError("give either an input file or --squad with --predictions, not both")
            case (nil, .some, nil), (nil, nil, .some): throw ValidationError("--squad and --predictions go together")
            case (nil, nil, nil): throw ValidationError("give an input file, or --squad and --predictions")
            }
        }

        func run() throws {
            let metricSet = try MetricSet(parsing: metrics)
            let jobInput: ScoringJob.Input = input.map { .jsonLines($0) } ?? .squad(dataset: squad!, predictions: predictions!)
            let start = Date()
            let result = try ScoringJob(input: jobInput, metrics: metricSet, options: bootstrap.options,
                                        perExamplePath: perExample, corpusPath: json).run()
            for warning in result.warnings { StandardError.line("warning: \(warning)") }
            StandardError.line("scored \(result.corpus.examples) examples in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
            print(result.corpus.markdownTable(), terminator: "")
        }
    }
}

/// Resampling options shared by `score` and `score compare`.
struct BootstrapArguments: ParsableArguments {
    @Option(help: "Bootstrap resamples (0: no confidence intervals).")
    var resamples: Int = 1000

    @Option(help: "Seed of the bootstrap resamples.")
    var seed: UInt64 = 0

    @Option(help: "Confidence level of the intervals.")
    var confidence: Double = 0.95

    func validate() throws {
        guard resamples >= 0 else { throw ValidationError("--resamples must be 0 or more") }
        guard confidence > 0 && confidence < 1 else { throw ValidationError("--confidence must be between 0 and 1") }
        guard seed <= 1 << 53 else { throw ValidationError("--seed must be at most 2^53 (it is stored in JSON)") }
    }

    var options: BootstrapOptions { BootstrapOptions(resamples: resamples, seed: seed, confidence: confidence) }
}
