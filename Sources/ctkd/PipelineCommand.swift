import ArgumentParser
import CTKDCore
import CTKDStages

extension CTKD {
    /// `ctkd pipeline`: check a pipeline file and show what running it would do.
    struct PipelineCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pipeline",
            abstract: "Validate a pipeline file and print its plan (nothing is run).",
            discussion: "See docs/pipelines.md for the file format and how steps are skipped, resumed or refused.",
            subcommands: [Validate.self, Plan.self])
    }
}

extension CTKD.PipelineCommand {
    /// Loads a pipeline file; every problem is printed as its own `error:` line.
    static func load(_ path: String) throws -> PipelineFile {
        do {
            return try PipelineFile.load(path)
        } catch let error as PipelineValidationError {
            for problem in error.errors { StandardError.line("error: \(problem)") }
            throw ExitCode(1)
        }
    }
}
