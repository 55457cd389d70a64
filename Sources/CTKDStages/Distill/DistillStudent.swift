import Foundation
import CTKDCore
import CTKDModels
import CTKDLosses
import CTKDTokenizers

/// A student being trained: its model and byte head (a `Trainee`), tokenizer, objective and
/// output directory (`metrics.jsonl`, and `model/` at the end).
final class DistillStudent {
    let definition: StudentDefinition
    let tokenizer: Tokenizer
    let tokenizerSHA256: String
    let endOfSequence: Int32?
    let trainee: Trainee
    let objective: DistillObjective
    let directory: String
    let log: MetricsLog

    var name: String { definition.name }
    var model: LanguageModel { trainee.model }

    init(_ definition: StudentDefinition, options: TrainingOptions, teacherVocabularySize: Int?, directory: String) throws {
        try definition.validate()
        self.definition = definition
        tokenizer = try Tokenizer(contentsOf: definition.tokenizerPath)
        tokenizerSHA256 = try SHA256.hex(fileAt: definition.tokenizerPath)
        let modelName = definition.name + ".model"
        let model: LanguageModel
        switch definition.initialization {
        case .directory(let path):
            model = try LanguageModel.load(directory: path, name: modelName)
        case .new(let shape):
            var vocabulary = tokenizer.vocabularySize
            if definition.objective.method.needsSameTokenizer, let teacherVocabularySize {
                vocabulary = max(vocabulary, teacherVocabularySize)
            }
            let config = shape.config(vocabularySize: vocabulary, sequenceLength: options.sequenceLength,
                                      endOfSequence: tokenizer.eosTokenID)
            model = try LanguageModel(config: config, seed: definition.seed, name: modelName)
        }
        guard model.config.vocabularySize >= tokenizer.vocabularySize else {
            throw CTKDError("student \(definition.name): the model has \(model.config.vocabularySize) token embeddings, "
                            + "its tokenizer \(tokenizer.vocabularySize) tokens", file: definition.tokenizerPath)
        }
        if model.config.usesLearnedPositions && options.sequenceLength > model.config.contextLength {
            throw CTKDError("student \(definition.name): sequence length \(options.sequenceLength) exceeds the model's "
                            + "\(model.config.contextLength) positions")
        }
        endOfSequence = (tokenizer.eosTokenID ?? model.config.eosTokenIds.first).map(Int32.init)

        var head: ParameterSet?
        if definition.objective.method == .bld {
            let byteHead = ByteDecoderHead(hiddenSize: model.config.dim, byteCount: definition.objective.bld.byteCount)
            // One flat tensor in the losses' layout (weights (M, 257, C), then biases (M, 257));
            // no weight decay, since biases share it.
            let set = ParameterSet(name: definition.name + ".byte_head",
                                   tensors: [.init(name: "parameters", shape: [byteHead.parameterCount], decays: false)])
            let initial = byteHead.initialParameters(seed: definition.seed ^ 0xB7E1_5162_8AED_2A6B,
                                                     standardDeviation: definition.objective.bld.initialStandardDeviation)
            let values = set.values(of: "parameters")
            for index in initial.indices { values[index] = initial[index] }
            head = set
        }
        trainee = Trainee(name: definition.name, model: model, extraParameters: head.map { [$0] } ?? [],
                          optimizer: options.optimizer)
        objective = try DistillObjective(definition.objective, model: model.config, head: head)
        self.directory = directory
        try FileIO.createDirectory(directory)
        log = try MetricsLog(path: directory + "/metrics.jsonl")
    }

    /// What identifies this student in the run's settings (a resume must match).
    func settings() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let initialization: String
        switch definition.initialization {
        case .directory(let path): initialization = "directory:" + path
        case .new: initialization = "new:seed=\(definition.seed)"
        }
        return [String(decoding: try encoder.encode(model.config), as: UTF8.self),
                String(decoding: try encoder.encode(definition.objective), as: UTF8.self),
                "tokenizer_sha256=" + tokenizerSHA256, initialization].joined(separator: " | ")
    }

    /// The student's micro-batch from records read once for all students.
    func batch(_ records: ArraySlice<DistillRecord>, sequenceLength: Int) throws -> DistillBatch {
        let examples = try records.map { record -> (StudentExample, CTKDLosses.TeacherSequence) in
            do {
                let example = try StudentExample(prompt: record.prompt, response: record.response, tokenizer: tokenizer,
                                                 endOfSequence: endOfSequence, sequenceLength: sequenceLength)
                return (example, try record.teacher ?? CTKDLosses.TeacherSequence(byteSpans: []))
            } catch let error as CTKDError {
                throw CTKDError("student \(name), example \"\(record.id)\": \(error.message)", field: error.field)
            }
        }
        return objective.batch(examples)
    }

    /// `model/`: Hugging Face safetensors + config.json + the student's tokenizer.json. The byte head
    /// is not part of the model: its token logits are those of the trained model, bit for bit.
    func export() throws -> String {
        let path = directory + "/model"
        try model.save(directory: path)
        try AtomicFile.write(try FileIO.read(definition.tokenizerPath), to: path + "/tokenizer.json")
        return path
    }
}
