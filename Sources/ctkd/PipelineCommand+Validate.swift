import ArgumentParser
import CTKDStages

extension CTKD.PipelineCommand {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a pipeline file: syntax, keys, types, names and the files it reads.")

        @Argument(help: "The pipeline file (YAML).")
        var file: String

        func run() throws {
            let pipeline = try CTKD.PipelineCommand.load(file)
            let steps = try PipelinePlanner(pipeline).steps()
            print("\(file): valid, \(steps.count) steps: \(steps.map(\.name).joined(separator: ", "))")
        }
    }
}
