import ArgumentParser
import Foundation
import CTKDCore
import CTKDModels

extension CTKD {
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate continuations of token-id prompts with a KV cache.",
            discussion: """
                Prompts come from --ids (repeatable) or --prompts FILE (JSONL with "ids" or "prompt_ids" \
                per line). Prints one JSON line per prompt, in order: {"index", "ids", "logprobs", \
                "finish_reason"}; "logprobs" are the model's log-probabilities of the generated tokens. \
                Generation stops at an EOS id (default: the model's), a stop sequence, --max-new-tokens, \
                or a full cache; sampling is seeded per prompt.
                """)

        @Option(help: "Hugging Face model directory.") var model: String
        @Option(name: .customLong("ids"), help: "A prompt as comma-separated token ids (repeatable).")
        var prompts: [TokenIds] = []
        @Option(name: .customLong("prompts"), help: "JSONL file of prompts.") var promptFile: String?
        @Option(help: "Tokens to generate per prompt.") var maxNewTokens: Int = 64
        @Option(help: "0 = greedy.") var temperature: Float = 0
        @Option(help: "Sample from the k most likely tokens (0: off).") var topK: Int = 0
        @Option(help: "Nucleus sampling mass (1: off).") var topP: Float = 1
        @Option(help: "Seed of the sampling.") var seed: UInt64 = 0
        @Option(name: .customLong("stop-id"), help: "A token that ends generation (repeatable; default: the model's EOS).")
        var stopIds: [Int32] = []
        @Option(name: .customLong("stop"), help: "A token sequence that ends generation, comma-separated (repeatable).")
        var stopSequences: [TokenIds] = []
        @Option(help: "Sequences decoded together (KV-cache slots).") var slots: Int = 8
        @Option(help: "KV-cache positions per sequence (default: the model's context length).") var capacity: Int?

        func validate() throws {
            if prompts.isEmpty && promptFile == nil { throw ValidationError("give prompts with --ids or --prompts") }
            if temperature < 0 || topK < 0 || !(topP > 0 && topP <= 1) {
                throw ValidationError("--temperature ≥ 0, --top-k ≥ 0 and 0 < --top-p ≤ 1")
            }
            if slots <= 0 { throw ValidationError("--slots must be positive") }
        }

        func run() throws {
            let model = try LanguageModel.load(directory: model)
            var inputs = prompts.map(\.ids)
            if let promptFile { inputs += try Self.readPrompts(promptFile) }
            let stops = stopIds.isEmpty ? Set(model.config.eosTokenIds.map(Int32.init)) : Set(stopIds)
            let config = GenerationConfig(maxNewTokens: maxNewTokens,
                                          sampling: SamplingConfig(temperature: temperature, topK: topK, topP: topP),
                                          seed: seed, stopTokens: stops, stopSequences: stopSequences.map(\.ids))
            let generator = Generator(model: model, slots: slots, capacity: capacity)
            let progress = ProgressReporter(label: "generate", total: inputs.count, unit: "prompts")
            let results = try generator.generate(prompts: inputs, config: config) { progress.update(completed: $0) }
            progress.finish()
            for (index, result) in results.enumerated() {
                print("{\"index\": \(index), \"ids\": \(jsonArray(result.tokens)), \"logprobs\": \(jsonArray(result.logProbs)), "
                      + "\"finish_reason\": \"\(result.finishReason.rawValue)\"}")
            }
        }

        static func readPrompts(_ path: String) throws -> [[Int32]] {
            struct Line: Decodable {
                var ids: [Int32]?
                var promptIds: [Int32]?
                enum CodingKeys: String, CodingKey { case ids, promptIds = "prompt_ids" }
            }
            return try JSONLines.decode(Line.self, from: path).map { record in
                guard let ids = record.value.promptIds ?? record.value.ids, !ids.isEmpty else {
                    throw CTKDError("expected a non-empty \"ids\" or \"prompt_ids\" list", file: path, line: record.line)
                }
                return ids
            }
        }
    }
}
