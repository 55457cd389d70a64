import ArgumentParser
import CTKDCore
import CTKDCache

extension CTKD.Cache {
    struct ImportVLLM: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-vllm",
            abstract: "Build a cache from vLLM prompt log-probs of a teacher-forced run (top-k + tail mass, token byte spans).",
            discussion: """
                Each input line holds {"id", "prompt", "response"} and vLLM's prompt_token_ids + \
                prompt_logprobs for prompt + response, at the top level, under "output" (a serialised \
                RequestOutput or completions choice) or in "output.choices[0]" (a completions response); \
                optionally "response_token_start". Rerun the same command to resume. See docs/cache.md.
                """)

        @Argument(help: "vLLM output, JSON Lines.") var input: String
        @Option(help: "Cache directory to write (created if missing).") var out: String
        @Option(name: .customLong("top-k"), help: "Keep the entries ranked 1…k (vLLM's prompt_logprobs must be >= k).") var topK: Int
        @Option(name: .customLong("end-of-sequence"), help: "Token id of EOS: a final response token with this id becomes the EOS position.")
        var endOfSequence: Int32?
        @Option(help: "The teacher's name, recorded in the metadata.") var teacher = "unknown"
        @Option(help: "The teacher's tokenizer file, hashed into the metadata.") var tokenizer: String?
        @Option(name: .customLong("batch-size"), help: "Examples per committed transaction.") var batchSize = 64

        func validate() throws {
            guard topK >= 1 else { throw ValidationError("--top-k must be at least 1") }
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
            if let endOfSequence, endOfSequence < 0 { throw ValidationError("--end-of-sequence must be a token id (>= 0)") }
        }

        func run() throws {
            var settings = VLLMImport.Settings(topK: topK, endOfSequence: endOfSequence)
            settings.teacherName = teacher
            settings.tokenizerPath = tokenizer
            settings.batchSize = batchSize
            StopSignal.install()
            let summary = try VLLMImport.run(input: input, output: out, settings: settings)
            print("imported \(summary.examplesWritten) examples (\(summary.positionsWritten) positions), "
                  + "\(summary.examplesSkipped) already in the cache; complete")
        }
    }
}
