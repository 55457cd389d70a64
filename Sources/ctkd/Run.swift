import ArgumentParser
import CTKDCore
import CTKDStages

extension CTKD {
    /// `ctkd run PIPELINE.yaml`: every step of a pipeline, each skipped, resumed or run.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a pipeline file: data, tokenizers, teacher, cache, students, evaluations, report.",
            discussion: """
                Each step is skipped when its output was made from the same inputs and settings, resumed \
                when an earlier run of it was interrupted (Ctrl-C, kill -9), and refused — before any \
                work — when its output was made differently. Progress goes to stderr; the report's \
                score table to stdout. docs/pipelines.md describes the file.
                """)

        @Argument(help: "The pipeline file (YAML).")
        var file: String

        @Flag(help: "Print the plan (what each step would do) and stop.")
        var dryRun = false

        @Option(help: "Use this work directory instead of the file's output.")
        var output: String?

        @Option(help: "Redo this step and the steps that read from it (repeatable; * matches any characters).")
        var force: [String] = []

        func run() throws {
            let pipeline = try CTKD.PipelineCommand.load(file)
            let plan = try PipelinePlan(pipeline, outputDirectory: output.map(PipelineFile.absolutePath), force: force)
            if dryRun {
                print(plan.table)
                if let refusal = plan.refusalError() {
                    StandardError.line("error: \(refusal)")
                    throw ExitCode(1)
                }
                return
            }
            StopSignal.install()
            try PipelineExecutor(plan: plan, steps: PipelineSteps.all).run()
            if let summary = plan.reportSummary { print(try FileIO.readText(summary), terminator: "") }
        }
    }
}
