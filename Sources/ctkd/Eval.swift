import ArgumentParser
import CTKDCore
import CTKDStages

extension EvaluationOptions.Metrics: ExpressibleByArgument {}

extension CTKD {
    /// `ctkd eval`: generate answers with a model and score them.
    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate answers (greedy, batched, KV-cached) and score them: SQuAD EM/F1 and ROUGE, with 95% CIs.",
            discussion: """
                Each prompt is encoded on its own (as in training), the model continues it until EOS or \
                --max-new-tokens. Every batch of predictions is committed to OUT/predictions.sqlite as it \
                finishes: interrupt it and run the same command again to continue. Then OUT gets \
                predictions.jsonl (`ctkd score` input), per group scores.GROUP.jsonl (per example) and \
                scores.GROUP.json (corpus, with bootstrap CIs), and scores.json (the index); the tables \
                go to stdout. --metrics auto scores `qa` examples with EM/F1 and `summary` examples with \
                ROUGE, separately.
                """)

        @Option(help: "Hugging Face model directory.") var model: String
        @Option(help: "The model's tokenizer.json.") var tokenizer: String
        @Option(help: "Dataset JSONL ({id, prompt, references | response, task}).") var data: String
        @Option(help: "Output directory.") var out: String
        @Option(help: "Tokens to generate per example.") var maxNewTokens: Int = 32
        @Option(help: "Prompts decoded together and committed together.") var batch: Int = 16
        @Option(help: "Evaluate a deterministic sample of N examples.") var sample: Int?
        @Option(help: "auto (by task), squad or rouge.") var metrics: EvaluationOptions.Metrics = .auto
        @OptionGroup var bootstrap: BootstrapArguments

        func validate() throws {
            guard maxNewTokens > 0 else { throw ValidationError("--max-new-tokens must be positive") }
            guard batch > 0 else { throw ValidationError("--batch must be positive") }
            if let sample, sample < 1 { throw ValidationError("--sample must be at least 1") }
        }

        func run() throws {
            StopSignal.install()
            var options = EvaluationOptions(modelDirectory: model, tokenizerPath: tokenizer, dataPath: data, outputDirectory: out)
            options.maxNewTokens = maxNewTokens
            options.batchSize = batch
            options.sample = sample
            options.metrics = metrics
            options.bootstrap = bootstrap.options
            let result = try EvaluationStage(options).run()
            StandardError.line("eval: \(result.summary.examples) examples (\(result.generated) generated now) → \(out)")
            print(result.markdown, terminator: "")
        }
    }
}
