import ArgumentParser
import CTKDCore
import CTKDModels

extension CTKD {
    struct Model: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inspect and benchmark models.",
            subcommands: [Forward.self, Bench.self])

        struct Forward: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print the logits of one token sequence: {\"logits\": [[…], …]}, one row per position.")

            @Option(help: "Hugging Face model directory.") var model: String
            @Option(help: "Comma-separated token ids.") var ids: TokenIds
            @Flag(help: "Print log-probabilities (log-softmax of each row) instead of logits.") var logProbs = false

            func run() throws {
                let model = try LanguageModel.load(directory: model)
                let cache = KVCache(config: model.config, slots: 1, capacity: ids.ids.count)
                let output = try model.forward(segments: [InferenceSegment(slot: 0, start: 0, tokens: ids.ids,
                                                                           appendsToCache: false, outputs: .all)], cache: cache)
                if logProbs { output.convertToLogProbs() }
                let rows = (0..<ids.ids.count).map { jsonArray(output.row($0)) }
                print("{\"\(logProbs ? "log_probs" : "logits")\": [" + rows.joined(separator: ",\n") + "]}")
            }
        }
    }
}
