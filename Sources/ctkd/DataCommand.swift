import ArgumentParser
import CTKDData

extension CTKD {
    /// `ctkd data`: dataset adapters, splits, the synthetic demo dataset.
    struct DataCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "data",
            abstract: "Import, split, generate and describe datasets (normalised JSON Lines).",
            discussion: """
                Every command writes the normalised format: one JSON object per line with "id", \
                "prompt", "response", "references" and "task" (qa or summary). See docs/data.md.
                """,
            subcommands: [Import.self, Split.self, Demo.self, Stats.self])
    }
}

extension DatasetFormat: ExpressibleByArgument {}
extension DatasetTask: ExpressibleByArgument {}

extension DatasetStatistics {
    /// The statistics table, indented under a heading line.
    func report(_ heading: String) -> String {
        heading + "\n" + table.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
    }
}
