import ArgumentParser
import CTKDCore
import CTKDTensor
import CTKDModels

extension CTKD {
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a language model: causal-LM pretraining or supervised fine-tuning.",
            discussion: """
                Data is pre-tokenized JSONL (what `ctkd tokenizer encode` writes): lines with "ids" are \
                documents for causal-LM pretraining (concatenated, EOS between, cut into windows); lines \
                with "prompt_ids" and "response_ids" are supervised examples (loss on the response only).
                The model is new (--architecture, --layers, --dim, --heads, …) or initialised from a \
                Hugging Face directory (--model). OUT gets checkpoint.safetensors, metrics.jsonl and, at \
                the end, model/. Interrupt it at any time and run the same command again to resume.
                """)

        @Option(name: .customLong("data"), parsing: .upToNextOption, help: "Pre-tokenized JSONL files.")
        var dataFiles: [String]

        @Option(help: "Run directory (checkpoint, metrics log, final model).")
        var out: String

        @Option(help: "Initialise from this Hugging Face model directory instead of a new model.")
        var model: String?

        @OptionGroup var architecture: NewModelOptions
        @OptionGroup var hyper: TrainingHyperParameters

        @Flag(help: "Print where the time went (per-layer forward/backward, optimizer) at the end.")
        var profile = false

        func validate() throws {
            if model != nil && architecture.isSpecified {
                throw ValidationError("--model and new-model options (--layers, --dim, …) exclude each other")
            }
        }

        func run() throws {
            StopSignal.install()
            if profile { Profiler.isEnabled = true }
            let model: LanguageModel
            let dataset: TrainingDataset
            var settings = [String: String]()
            if let directory = self.model {
                model = try LanguageModel.load(directory: directory)
                dataset = try TrainingDataset.readTokenized(dataFiles, vocabularySize: model.config.vocabularySize)
                settings["initial_model"] = directory
            } else {
                let unchecked = try TrainingDataset.readTokenized(dataFiles, vocabularySize: architecture.vocabSize)
                let config = try architecture.config(vocabularySize: architecture.vocabSize ?? Int(unchecked.maximumTokenId) + 1,
                                                     sequenceLength: hyper.seqLen)
                model = try LanguageModel(config: config, seed: hyper.seed)
                dataset = unchecked
            }
            let options = hyper.options
            StandardError.line("train: \(model.config.architecture.rawValue), \(model.config.parameterCount) parameters, "
                               + "\(dataset.exampleCount) \(dataset.isSupervised ? "examples" : "documents"), "
                               + "\(Parallel.threadCount) threads")
            let summary = try LanguageModelTraining.run(model: model, data: dataset, options: options, directory: out,
                                                        extraSettings: settings)
            if let resumed = summary.resumedAt { StandardError.line("train: resumed at step \(resumed)") }
            if profile { StandardError.write(Profiler.report()) }
            print("{\"steps\": \(summary.steps), \"final_loss\": \(summary.finalLoss.map { "\($0)" } ?? "null"), "
                  + "\"model\": \"\(summary.modelDirectory)\"}")
        }
    }

    /// The shape of a new model.
    struct NewModelOptions: ParsableArguments {
        @Option(help: "Architecture of a new model.") var architecture: Architecture = .gpt2
        @Option(help: "Transformer blocks.") var layers: Int?
        @Option(help: "Residual width (hidden size).") var dim: Int?
        @Option(help: "Attention heads.") var heads: Int?
        @Option(help: "Key/value heads (Llama; grouped-query attention).") var kvHeads: Int?
        @Option(help: "MLP width (default 4·dim for GPT-2, ≈8/3·dim for Llama).") var ffnDim: Int?
        @Option(help: "Maximum sequence length the model supports (default: --seq-len).") var context: Int?
        @Option(help: "Vocabulary size (default: largest id in the data + 1).") var vocabSize: Int?
        @Option(help: "RoPE base (Llama).") var ropeTheta: Double = 10_000
        @Flag(help: "Separate lm_head instead of the tied token embedding.") var untiedEmbeddings = false
        @Option(help: "End-of-sequence token id (separates documents, ends supervised examples).") var eos: Int?

        var isSpecified: Bool { layers != nil || dim != nil || heads != nil || kvHeads != nil || ffnDim != nil }

        func config(vocabularySize: Int, sequenceLength: Int) throws -> ModelConfig {
            guard let layers, let dim, let heads else {
                throw ValidationError("a new model needs --layers, --dim and --heads (or --model DIR)")
            }
            let config = ModelConfig(architecture: architecture, vocabularySize: vocabularySize,
                                     contextLength: context ?? sequenceLength, layers: layers, dim: dim, heads: heads,
                                     kvHeads: kvHeads, ffnDim: ffnDim, ropeTheta: ropeTheta,
                                     tiedEmbeddings: !untiedEmbeddings, eosTokenIds: eos.map { [$0] } ?? [])
            try config.validate()
            return config
        }
    }

    struct TrainingHyperParameters: ParsableArguments {
        @Option(help: "Optimizer steps.") var steps: Int = 1000
        @Option(help: "Sequences per micro-batch.") var batchSize: Int = 8
        @Option(help: "Tokens per sequence (T).") var seqLen: Int = 256
        @Option(help: "Micro-batches per optimizer step.") var gradAccum: Int = 1
        @Option(help: "Peak learning rate.") var lr: Double = 3e-4
        @Option(help: "Final learning rate of the decay.") var minLr: Double = 3e-5
        @Option(help: "Linear warmup steps.") var warmup: Int = 100
        @Option(help: "Decay after warmup.") var schedule: LearningRateSchedule.Kind = .cosine
        @Option(help: "AdamW decoupled weight decay (matrices only).") var weightDecay: Float = 0.1
        @Option(help: "AdamW β₁.") var beta1: Float = 0.9
        @Option(help: "AdamW β₂.") var beta2: Float = 0.95
        @Option(help: "Clip the global gradient norm to this (0: off).") var clip: Double = 1.0
        @Option(help: "Seed of the initialisation and the data order.") var seed: UInt64 = 0
        @Option(help: "Write a checkpoint every N steps.") var checkpointEvery: Int = 100
        @Option(help: "Append to metrics.jsonl every N steps.") var logEvery: Int = 1

        var options: TrainingOptions {
            var options = TrainingOptions()
            options.steps = steps
            options.batchSize = batchSize
            options.sequenceLength = seqLen
            options.gradientAccumulation = gradAccum
            options.learningRate = lr
            options.minimumLearningRate = minLr
            options.warmupSteps = warmup
            options.schedule = schedule
            options.optimizer = AdamWConfig(beta1: beta1, beta2: beta2, weightDecay: weightDecay)
            options.gradientClip = clip > 0 ? clip : nil
            options.seed = seed
            options.checkpointInterval = checkpointEvery
            options.logInterval = logEvery
            return options
        }
    }
}

extension Architecture: ExpressibleByArgument {}
extension LearningRateSchedule.Kind: ExpressibleByArgument {}

extension TrainingDataset {
    var isSupervised: Bool { if case .supervised = self { true } else { false } }
}
