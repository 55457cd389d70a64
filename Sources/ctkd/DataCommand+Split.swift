import ArgumentParser
import CTKDCore
import CTKDData

extension CTKD.DataCommand {
    struct Split: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Split a normalised file into <name>.jsonl files by a hash of each id.",
            discussion: """
                An example's split depends only on its id and the salt, so it never moves when \
                examples are added to or removed from the source.
                """)

        @Argument(help: "A normalised JSON Lines file.")
        var input: String

        @Option(help: "The directory to write <name>.jsonl files into.")
        var out: String

        @Option(help: "Split names and fractions, e.g. train=0.8,validation=0.1,test=0.1.")
        var fractions: String

        @Option(help: "Salt of the id hash; another salt gives another split.")
        var salt = DatasetSplitter.defaultSalt

        func run() throws {
            let fractions = try SplitFractions(parsing: fractions)
            let examples = try DatasetFile.read(input)
            try FileIO.createDirectory(out)
            for split in DatasetSplitter.split(examples, fractions: fractions, salt: salt) {
                let path = out + "/\(split.name).jsonl"
                try DatasetFile.write(split.examples, to: path)
                print("\(split.name): \(split.examples.count) examples → \(path)")
            }
        }
    }
}
