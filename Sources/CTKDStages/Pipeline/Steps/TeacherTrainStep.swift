import CTKDCore
import CTKDData
import CTKDModels
import CTKDTokenizers

/// `teacher.train`: supervised training of a new model on the train split (loss on the response
/// and EOS, `ExampleEncoding`), with the engine's resumable `LanguageModelTraining`: the step's
/// directory holds `checkpoint.safetensors` and `metrics.jsonl`, and at the end `model/` (Hugging
/// Face layout with the tokenizer.json). A resumed run continues from the last checkpoint and ends
/// with the same weights as an uninterrupted one.
struct TeacherTrainStep: PipelineStep {
    func run(_ step: PlannedStep, context: StepContext) throws {
        guard case .trainTeacher(let modelSpec, let training) = step.task else { throw context.wrongTask(step) }
        let tokenizerPath = try context.path("tokenizer")
        let tokenizer = try CTKDTokenizers.Tokenizer(contentsOf: tokenizerPath)
        let encoding = ExampleEncoding(tokenizer: tokenizer)
        let examples = try DatasetFile.read(try context.path("data")).map(encoding.supervised)
        let config = try modelSpec.modelConfig(vocabularySize: tokenizer.vocabularySize, endOfSequence: encoding.endOfSequence)
        let options = training.trainingOptions(sequenceLength: modelSpec.contextLength, defaultSeed: 0)
        let model = try LanguageModel(config: config, seed: options.seed)
        StandardError.line("\(context.label): \(config.parameterCount) parameters, \(examples.count) examples, "
                           + "\(options.steps) steps of \(options.batchSize)")
        let summary = try LanguageModelTraining.run(model: model, data: .supervised(examples), options: options,
                                                    directory: context.outputDirectory)
        try AtomicFile.write(try FileIO.read(tokenizerPath), to: summary.modelDirectory + "/" + StepProducts.tokenizer)
    }
}
