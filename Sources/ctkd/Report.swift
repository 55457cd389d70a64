import ArgumentParser
import CTKDCore
import CTKDStages

extension CTKD {
    /// `ctkd report MANIFEST`: training curves, scores with CIs and paired differences as
    /// Markdown and a self-contained HTML page.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a Markdown and an HTML report on a set of students and print the score table.",
            discussion: """
                The manifest (YAML or JSON) lists the students: name, metrics_log, per_example, scores, \
                notes; plus title, baseline, metrics, resamples, seed, confidence. Paths are relative \
                to the manifest. The HTML page is self-contained (inline CSS and SVG, no script).
                """)

        @Argument(help: "Report manifest (YAML or JSON).")
        var manifest: String

        @Option(help: "Write the HTML page here.")
        var html: String = "report.html"

        @Option(help: "Write the Markdown report here.")
        var markdown: String = "report.md"

        @Option(help: "Compare every student with this one (overrides the manifest's baseline).")
        var baseline: String?

        @Option(help: "Bootstrap resamples (overrides the manifest).")
        var resamples: Int?

        @Option(help: "Bootstrap seed (overrides the manifest).")
        var seed: UInt64?

        func run() throws {
            var configuration = try ReportConfiguration.load(manifest)
            if let baseline { configuration.baseline = baseline }
            if let resamples { configuration.resamples = resamples }
            if let seed { configuration.seed = seed }
            let report = try CTKDStages.Report(configuration)
            try report.write(markdown: markdown, html: html)
            print(report.terminalSummary(), terminator: "")
            StandardError.line("wrote \(markdown) and \(html)")
        }
    }
}
