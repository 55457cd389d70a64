import CTKDCore

/// The official SQuAD evaluation input: a dataset file and a predictions file
/// (`evaluate-v1.1.py dataset.json predictions.json`).
///
/// The official rules: every question of the dataset counts; a question without a prediction
/// scores 0 (on every metric here); predictions for ids that are not in the dataset are ignored.
///
///     let input = try SQuADInput.load(dataset: "dev-v1.1.json", predictions: "pred.json")
///     var scores = CorpusScorer().score(input.examples)
///     input.zeroMissing(&scores)
public struct SQuADInput: Sendable {
    /// One example per question, in dataset order; a missing prediction is an empty one here.
    public let examples: ScoringExamples
    /// Per example: true when the predictions file has no answer for the question.
    public let missing: [Bool]
    /// The number of predictions whose id is not a question of the dataset.
    public let extraPredictions: Int
    /// The dataset's `version` field ("1.1" for SQuAD v1.1).
    public let version: String?

    public var missingCount: Int { missing.filter { $0 }.count }

    public static func load(dataset datasetPath: String, predictions predictionsPath: String) throws -> SQuADInput {
        let predictions = try loadPredictions(predictionsPath)
        var examples = ScoringExamples()
        var missing = [Bool]()
        var version: String?
        var questionIDs = Set<String>()
        let bytes = try FileIO.read(datasetPath)
        do {
            try bytes.withUnsafeBufferPointer { buffer in
                var reader = JSONReader(buffer, reportsLines: true)
                try reader.forEachMember { reader, key in
                    switch key {
                    case "version":
                        if try reader.peekKind() == .string { version = try reader.readString() } else { try reader.skipValue() }
                    case "data":
                        try forEachQuestion(&reader) { reader, id, answers in
                            guard questionIDs.insert(id).inserted else {
                                throw reader.fieldError("duplicate question id \"\(id)\"")
                            }
                            examples.beginExample(id: id)
                            examples.appendPrediction(predictions[id] ?? [])
                            for answer in answers { examples.appendReference(answer) }
                            examples.endExample()
                            missing.append(predictions[id] == nil)
                        }
                    default: try reader.skipValue()
                    }
                }
                try reader.expectEnd()
            }
        } catch let error as CTKDError {
            throw error.located(file: datasetPath)
        }
        guard examples.count > 0 else { throw CTKDError("no questions under \"data\"", file: datasetPath) }
        let extra = predictions.keys.filter { !questionIDs.contains($0) }.count
        return SQuADInput(examples: examples, missing: missing, extraPredictions: extra, version: version)
    }

    /// Sets every value of the questions without a prediction to 0, as the official script scores them.
    public func zeroMissing(_ scores: inout PerExampleScores) {
        let zeros = [Double](repeating: 0, count: scores.keys.count)
        for (index, isMissing) in missing.enumerated() where isMissing { scores.setRow(index, to: zeros) }
    }

    /// `data[].paragraphs[].qas[]`, calling `body` with each question's id and answer texts.
    private static func forEachQuestion(
        _ reader: inout JSONReader, _ body: (inout JSONReader, String, [[UInt8]]) throws -> Void
    ) throws {
        try reader.forEachElement { reader, _ in
            try reader.forEachMember { reader, key in
                guard key == "paragraphs" else { return try reader.skipValue() }
                try reader.forEachElement { reader, _ in
                    try reader.forEachMember { reader, key in
                        guard key == "qas" else { return try reader.skipValue() }
                        try reader.forEachElement { reader, _ in
                            var id: String?
                            var answers: [[UInt8]]?
                            try reader.forEachMember { reader, key in
                                switch key {
                                case "id": id = try reader.readString()
                                case "answers": answers = try readAnswers(&reader)
                                default: try reader.skipValue()
                                }
                            }
                            guard let id else { throw reader.fieldError("question without an \"id\"") }
                            guard let answers else { throw reader.fieldError("question \"\(id)\" has no \"answers\" field") }
                            guard !answers.isEmpty else { throw reader.fieldError("question \"\(id)\" has an empty answer list") }
                            try body(&reader, id, answers)
                        }
                    }
                }
            }
        }
    }

    private static func readAnswers(_ reader: inout JSONReader) throws -> [[UInt8]] {
        var answers = [[UInt8]]()
        try reader.forEachElement { reader, _ in
            var text: [UInt8]?
            try reader.forEachMember { reader, key in
                guard key == "text" else { return try reader.skipValue() }
                var bytes = [UInt8]()
                try reader.readString(into: &bytes)
                text = bytes
            }
            guard let text else { throw reader.fieldError("answer without a \"text\" field") }
            answers.append(text)
        }
        return answers
    }

    /// `{question id: answer}`; an answer that is not a string is an error naming its id.
    private static func loadPredictions(_ path: String) throws -> [String: [UInt8]] {
        var predictions = [String: [UInt8]]()
        let bytes = try FileIO.read(path)
        do {
            try bytes.withUnsafeBufferPointer { buffer in
                var reader = JSONReader(buffer, reportsLines: true)
                let kind = try reader.peekKind()
                guard kind == .object else { throw reader.typeError("an object {question id: answer}", found: kind) }
                try reader.forEachMember { reader, id in
                    let kind = try reader.peekKind()
                    guard kind == .string else { throw reader.typeError("a string", found: kind) }
                    var answer = [UInt8]()
                    try reader.readString(into: &answer)
                    predictions[id] = answer
                }
                try reader.expectEnd()
            }
        } catch let error as CTKDError {
            throw error.located(file: path)
        }
        return predictions
    }
}
