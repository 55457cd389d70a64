import ArgumentParser
import Foundation
import CTKDCore
import CTKDTensor
import CTKDModels

extension CTKD.Model {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure train, prefill and decode throughput (the protocol of train_gpt_ref.py).",
            discussion: "A new random model (--layers, --dim, --heads, --vocab-size) or --model DIR. Prints JSON.")

        @Option(help: "Hugging Face model directory (default: a new random model).") var model: String?
        @OptionGroup var architecture: CTKD.NewModelOptions
        @Option(help: "Sequences for train and prefill (B).") var batchSize: Int = 8
        @Option(help: "Tokens per sequence (T).") var seqLen: Int = 256
        @Option(help: "Comma-separated: train, prefill, decode, sgemm (GFLOP/s of a training-shaped and a 1024³ product), kernels (ns/element; run with CTKD_THREADS=1).") var modes: String = "train,prefill,decode"
        @Option(help: "Timed steps.") var steps: Int = 10
        @Option(help: "Untimed warm-up steps.") var warmup: Int = 3
        @Option(help: "Sequences decoded together.") var decodeBatch: Int = 1
        @Option(help: "Prompt tokens before decoding.") var promptLen: Int = 16
        @Option(help: "Tokens decoded.") var decodeTokens: Int = 128
        @Option(help: "Decode runs (median).") var decodeRepeats: Int = 3
        @Flag(help: "Add per-section times (ms, all timed and untimed steps) to the output.") var profile = false

        func run() throws {
            let model: LanguageModel
            if let directory = self.model {
                model = try LanguageModel.load(directory: directory)
            } else {
                let config = try architecture.config(vocabularySize: architecture.vocabSize ?? 4096, sequenceLength: seqLen)
                model = try LanguageModel(config: config, seed: 1337)
            }
            var settings = Benchmark.Settings()
            (settings.batch, settings.time, settings.steps, settings.warmup) = (batchSize, seqLen, steps, warmup)
            (settings.decodeBatch, settings.promptLength, settings.decodeTokens, settings.decodeRepeats) =
                (decodeBatch, promptLen, decodeTokens, decodeRepeats)
            var result: [String: Any] = ["params": model.config.parameterCount, "threads": Parallel.threadCount]
            let wanted = Set(modes.split(separator: ",").map(String.init))
            func measure(_ name: String, _ body: () throws -> [String: Double]) rethrows {
                guard wanted.contains(name) else { return }
                Profiler.reset()
                Profiler.isEnabled = profile
                var values: [String: Any] = try body()
                if profile {
                    values["profile_ms"] = Dictionary(uniqueKeysWithValues: Profiler.entries().map { ($0.name, $0.seconds * 1000) })
                }
                result[name] = values
                Profiler.isEnabled = false
            }
            try measure("train") { try Benchmark.train(model, settings) }
            model.releaseActivations()
            try measure("prefill") { try Benchmark.prefill(model, settings) }
            try measure("decode") { try Benchmark.decode(model, settings) }
            measure("sgemm") {
                // The MLP's first product in training (B·T rows, dim → 4·dim) and a square one.
                let rows = batchSize * seqLen, dim = model.config.dim
                return ["training_shape_gflops": Benchmark.sgemm(m: rows, n: 4 * dim, k: dim),
                        "square_1024_gflops": Benchmark.sgemm(m: 1024, n: 1024, k: 1024)]
            }
            measure("kernels") { Benchmark.kernels() }
            let json = try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: json, as: UTF8.self))
        }
    }
}
