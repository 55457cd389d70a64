import ArgumentParser
import CTKDCore
import CTKDCache

extension CTKD {
    struct Cache: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inspect and check a teacher cache.",
            subcommands: [Stats.self, Verify.self, Show.self, ImportVLLM.self])

        struct Stats: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Examples, positions, stored bytes per position by part, tail mass, quantisation and beam errors.")
            @Argument(help: "Cache directory.") var cache: String
            @Flag(help: "Print JSON.") var json = false
            @Flag(name: .customLong("decode-speed"), help: "Also time decoding on one core (positions per CPU second): all parts, tokens + top-k, top-k codec alone.")
            var decodeSpeed = false

            func run() throws {
                var statistics = try CacheStatistics.compute(directory: cache)
                if decodeSpeed {
                    statistics.decodeSpeed = try CacheStatistics.decodeSpeed(directory: cache, parts: .all)
                    statistics.decodeSpeedTopK = try CacheStatistics.decodeSpeed(directory: cache, parts: .topK)
                    statistics.decodeSpeedTopKCodec = try CacheStatistics.topKCodecSpeed(directory: cache)
                }
                print(json ? statistics.json : statistics.text)
            }
        }

        struct Verify: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Check schema, checksums, decoding and completeness; exit 1 on any problem.")
            @Argument(help: "Cache directory.") var cache: String

            func run() throws {
                let report = CacheVerifier.verify(directory: cache)
                for problem in report.problems { StandardError.line("problem: \(problem)") }
                guard report.isValid else {
                    throw CTKDError("\(report.problems.count) problem(s) found", file: cache)
                }
                print("ok: \(report.examplesChecked) examples verified")
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print one example, decoded, as JSON.")
            @Argument(help: "Cache directory.") var cache: String
            @Option(help: "The example's id.") var id: String

            func run() throws {
                guard let record = try CacheReader(directory: cache).record(id: id) else {
                    throw CTKDError("no example with id \"\(id)\"", file: cache)
                }
                print(record.json)
            }
        }
    }
}
