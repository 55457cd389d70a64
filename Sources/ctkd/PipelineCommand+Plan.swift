import ArgumentParser
import CTKDCore
import CTKDStages

extension CTKD.PipelineCommand {
    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print what running a pipeline would do to each step: run, redo, resume, skip or refuse.",
            discussion: """
                A step is skipped when its output was made from the same inputs and settings \
                (content hashes), resumed when an earlier run of the same inputs was interrupted, \
                and refused when its output was made differently (the reason names what differs). \
                Exits with status 1 when a step would be refused.
                """)

        @Argument(help: "The pipeline file (YAML).")
        var file: String

        @Option(help: "Use this work directory instead of the file's output.")
        var output: String?

        @Option(help: "Redo this step and the steps that read from it (repeatable; * matches any characters).")
        var force: [String] = []

        @Flag(help: "Also print each step's hash, inputs and settings.")
        var verbose = false

        func run() throws {
            let pipeline = try CTKD.PipelineCommand.load(file)
            let plan = try PipelinePlan(pipeline, outputDirectory: output.map(PipelineFile.absolutePath), force: force)
            print(plan.table)
            if verbose { print(plan.details) }
            if let refusal = plan.refusalError() {
                StandardError.line("error: \(refusal)")
                throw ExitCode(1)
            }
        }
    }
}
