import ArgumentParser
import CTKDCore
#if canImport(Glibc)
import Glibc
#endif

/// The `ctkd` command. Each subcommand lives in its own file as an extension of `CTKD` and stays
/// thin: parse, validate, call a stage, print.
@main
struct CTKD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctkd",
        abstract: "Cross-tokenizer knowledge distillation with an offline teacher.",
        discussion: """
            Stages: `teach` writes the teacher cache, `distill` trains students from it, `eval` \
            generates and scores. `run` executes a whole pipeline file.
            """,
        version: CTKDVersion.string,
        subcommands: [
            Teach.self, Cache.self,
            TokenizerCommand.self,
            BenchLosses.self,
            Score.self,
            Report.self,
            DataCommand.self,
            PipelineCommand.self,
            Run.self,
            Train.self,
            Distill.self,
            Generate.self,
            Eval.self,
            Model.self,
        ]
    )

    /// Errors about the user's input print as one `error:` line and exit 1; Ctrl-C at a safe
    /// point exits 130; usage errors keep ArgumentParser's help text.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as CTKDError {
            StandardError.line("error: \(error)")
            Glibc.exit(1)
        } catch let error as SQLiteError {
            StandardError.line("error: \(error)")
            Glibc.exit(1)
        } catch let stopped as StopSignal.Stopped {
            StandardError.line(stopped.description)
            Glibc.exit(StopSignal.exitCode)
        } catch {
            exit(withError: error)
        }
    }
}
