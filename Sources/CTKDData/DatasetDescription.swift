import CTKDCore
import Foundation

/// `dataset.json`, written next to a directory of split files: what made them and how big each
/// split is.
public struct DatasetDescription: Codable, Sendable, Equatable {
    public var generator: String
    public var version: String
    /// The demo generator's settings, for generated data.
    public var config: DemoConfig?
    public var statistics: [String: DatasetStatistics]

    public static let fileName = "dataset.json"

    /// Writes `<name>.jsonl` for every split, then `dataset.json`, each file atomically.
    @discardableResult
    public static func write(_ splits: [(name: String, examples: [DatasetExample])], generator: String,
                             demo: DemoConfig? = nil, to directory: String) throws -> DatasetDescription {
        try FileIO.createDirectory(directory)
        for split in splits {
            try DatasetFile.write(split.examples, to: directory + "/\(split.name).jsonl")
        }
        let description = DatasetDescription(
            generator: generator, version: CTKDVersion.string, config: demo,
            statistics: Dictionary(uniqueKeysWithValues: splits.map { ($0.name, DatasetStatistics($0.examples)) }))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(Array(try encoder.encode(description)) + [0x0A], to: directory + "/" + fileName)
        return description
    }
}
