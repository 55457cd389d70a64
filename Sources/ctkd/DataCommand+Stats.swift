import ArgumentParser
import CTKDData

extension CTKD.DataCommand {
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the size of normalised dataset files (examples, tasks, words, vocabulary).")

        @Argument(help: "Normalised JSON Lines files.")
        var files: [String]

        func run() throws {
            for file in files { print(DatasetStatistics(try DatasetFile.read(file)).report(file)) }
        }
    }
}
