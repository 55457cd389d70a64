import CTKDCore
import CTKDData
import CTKDTokenizers

/// `tokenizer.train`: a byte-level BPE (GPT-2 style, `<|endoftext|>` as EOS) learnt from the
/// prompts and responses of a split, each as its own text, the way they are encoded later.
/// Deterministic and quick, so an interrupted run starts over (the file is written atomically).
struct TokenizerTrainStep: PipelineStep {
    func run(_ step: PlannedStep, context: StepContext) throws {
        guard case .trainTokenizer(let spec) = step.task else { throw context.wrongTask(step) }
        let examples = try DatasetFile.read(try context.path("data"))
        var corpus = [UInt8]()
        for example in examples {
            for text in [example.prompt, example.response].compactMap({ $0 }) {
                corpus += text.utf8
                corpus.append(0x0A)
            }
        }
        let corpusPath = context.outputDirectory + "/corpus.txt"
        try AtomicFile.write(corpus, to: corpusPath)
        defer { try? FileIO.remove(corpusPath) }
        let tokenizer = try BPETrainer(recipe: .byteLevel, vocabularySize: spec.vocabSize).train(files: [corpusPath])
        try tokenizer.save(to: context.outputDirectory + "/" + StepProducts.tokenizer)
        StandardError.line("\(context.label): \(tokenizer.vocabularySize) tokens, \(tokenizer.model.mergeList.count) merges "
                           + "from \(examples.count) examples")
    }
}
