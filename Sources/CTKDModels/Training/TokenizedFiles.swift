import Foundation
import CTKDCore

/// Training data as token ids, read from the JSON Lines that `ctkd tokenizer encode` writes.
public enum TrainingDataset: Sendable {
    /// Documents for causal-LM pretraining.
    case languageModeling([[Int32]])
    /// Prompt/response pairs for supervised fine-tuning.
    case supervised([SupervisedExample])

    public var exampleCount: Int {
        switch self {
        case .languageModeling(let documents): documents.count
        case .supervised(let examples): examples.count
        }
    }

    /// Reads pre-tokenized JSONL files. Each line is `{"ids": [...]}` (a document) or
    /// `{"prompt_ids": [...], "response_ids": [...]}` (a supervised example); other keys are
    /// ignored; all lines of all files must be of one kind. Ids are checked against `vocabularySize`.
    public static func readTokenized(_ paths: [String], vocabularySize: Int?) throws -> TrainingDataset {
        struct Line: Decodable {
            var ids: [Int]?
            var promptIds: [Int]?
            var responseIds: [Int]?
            enum CodingKeys: String, CodingKey { case ids, promptIds = "prompt_ids", responseIds = "response_ids" }
        }
        var documents = [[Int32]](), examples = [SupervisedExample]()
        let decoder = JSONDecoder()
        for path in paths {
            try JSONLines.forEachLine(in: path) { _, bytes in
                let line = try JSONLines.decodeLine(Line.self, bytes, decoder: decoder)
                if line.promptIds != nil || line.responseIds != nil {
                    guard let prompt = line.promptIds, let response = line.responseIds else {
                        throw CTKDError("a supervised example needs both", field: line.promptIds == nil ? "prompt_ids" : "response_ids")
                    }
                    examples.append(SupervisedExample(prompt: try checked(prompt, "prompt_ids", vocabularySize),
                                                      response: try checked(response, "response_ids", vocabularySize)))
                } else if let ids = line.ids {
                    documents.append(try checked(ids, "ids", vocabularySize))
                } else {
                    throw CTKDError("expected \"ids\" (a document) or \"prompt_ids\" and \"response_ids\" (an example); "
                                    + "text needs --tokenizer")
                }
                if !documents.isEmpty && !examples.isEmpty {
                    throw CTKDError("mixes documents (\"ids\") and supervised examples (\"prompt_ids\"/\"response_ids\")")
                }
            }
        }
        if !examples.isEmpty { return .supervised(examples) }
        guard !documents.isEmpty else { throw CTKDError("no training data in \(paths.joined(separator: ", "))") }
        return .languageModeling(documents)
    }

    static func checked(_ ids: [Int], _ key: String, _ vocabularySize: Int?) throws -> [Int32] {
        try ids.enumerated().map { index, id in
            guard id >= 0, id <= Int(Int32.max) else {
                throw CTKDError("token id \(id) is negative or too large", field: "\(key)[\(index)]")
            }
            if let vocabularySize, id >= vocabularySize {
                throw CTKDError("token id \(id) is outside the vocabulary (0..<\(vocabularySize))", field: "\(key)[\(index)]")
            }
            return Int32(id)
        }
    }

    /// The largest id, to size a new model's vocabulary.
    public var maximumTokenId: Int32 {
        switch self {
        case .languageModeling(let documents): documents.lazy.compactMap { $0.max() }.max() ?? 0
        case .supervised(let examples): examples.lazy.compactMap { ($0.prompt + $0.response).max() }.max() ?? 0
        }
    }

    /// A fingerprint of the ids (so a resumed run can tell its data changed).
    public var fingerprint: String {
        var bytes = [UInt8]()
        func add(_ ids: [Int32]) {
            withUnsafeBytes(of: UInt32(ids.count).littleEndian) { bytes += $0 }
            ids.withUnsafeBytes { bytes += $0 }
        }
        switch self {
        case .languageModeling(let documents): documents.forEach(add)
        case .supervised(let examples): examples.forEach { add($0.prompt); add($0.response) }
        }
        return String(XXHash64.hash(bytes), radix: 16)
    }
}
