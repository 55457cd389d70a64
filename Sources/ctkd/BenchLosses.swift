import ArgumentParser
import CTKDLosses
import Foundation

extension CTKD {
    /// Times every training objective on synthetic inputs; `bench/sections/losses.py` drives it.
    struct BenchLosses: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-losses",
            abstract: "Time CE and each distillation loss (forward + backward) on synthetic inputs; prints JSON.",
            shouldDisplay: false)

        @Option(help: "Student vocabulary size V.") var vocabularySize = 8192
        @Option(help: "Student response positions T.") var positions = 256
        @Option(help: "Teacher top-k entries per position.") var topK = 64
        @Option(help: "BLD bytes per hidden state M.") var byteCount = 10
        @Option(help: "Student hidden size C (BLD's head input).") var hiddenSize = 576
        @Option(help: "Timed repeats per objective (the fastest is reported).") var repeats = 5
        @Option(help: "Comma-separated objectives to time (sft, kl, sampled, uld, mlot, mlot_envelope, bld); default all.")
        var only = ""

        func validate() throws {
            guard vocabularySize >= topK, positions >= 2, topK >= 1, byteCount >= 1, hiddenSize >= 1, repeats >= 1 else {
                throw ValidationError("sizes must be positive, positions ≥ 2 and vocabulary-size ≥ top-k")
            }
        }

        func run() throws {
            var settings = LossBenchmark.Settings()
            settings.vocabularySize = vocabularySize
            settings.positions = positions
            settings.topK = topK
            settings.byteCount = byteCount
            settings.hiddenSize = hiddenSize
            settings.repeats = repeats
            settings.only = only.split(separator: ",").map(String.init)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(LossBenchmark.run(settings)), as: UTF8.self))
        }
    }
}
