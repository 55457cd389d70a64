import Foundation
import Yams
import CTKDCore
import CTKDModels
import CTKDLosses

/// One student of a distill run: its name, where its weights start, its tokenizer and its loss.
///
/// Decodes from YAML/JSON (a `--students` file):
///
///     - name: mlot-small
///       tokenizer: tokenizers/bpe1k.json
///       model: {architecture: llama, layers: 2, dim: 128, heads: 4}   # or a Hugging Face directory
///       loss: {method: mlot, mlot: {weight: 0.15}}
///       seed: 1
public struct StudentDefinition: Sendable, Decodable {
    public enum Initialization: Sendable, Equatable {
        /// Start from a Hugging Face model directory.
        case directory(String)
        /// A new model of this shape, initialised from `seed`.
        case new(StudentShape)
    }

    public var name: String
    public var initialization: Initialization
    public var tokenizerPath: String
    public var objective: ObjectiveConfiguration
    public var seed: UInt64

    public init(name: String, initialization: Initialization, tokenizerPath: String,
                objective: ObjectiveConfiguration, seed: UInt64 = 0) {
        self.name = name
        self.initialization = initialization
        self.tokenizerPath = tokenizerPath
        self.objective = objective
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey { case name, model, tokenizer, loss, seed }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        tokenizerPath = try c.decode(String.self, forKey: .tokenizer)
        if let directory = try? c.decode(String.self, forKey: .model) {
            initialization = .directory(directory)
        } else {
            initialization = .new(try c.decode(StudentShape.self, forKey: .model))
        }
        objective = try c.decode(.loss, default: ObjectiveConfiguration())
        seed = try c.decode(.seed, default: 0)
    }

    /// Names become directory and parameter-set names: keep them plain.
    func validate() throws {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }), name.first != "." else {
            throw CTKDError("student name \"\(name)\" must be letters, digits, '-', '_' or '.'", field: "name")
        }
    }

    /// Reads a YAML or JSON list of students.
    public static func readList(_ path: String) throws -> [StudentDefinition] {
        let text = try FileIO.readText(path)
        do {
            return try YAMLDecoder().decode([StudentDefinition].self, from: text)
        } catch let error as CTKDError {
            throw error.located(file: path)
        } catch {
            throw CTKDError("not a list of students: \(error)", file: path)
        }
    }
}

/// The shape of a new student. The vocabulary defaults to its tokenizer's (for `kl`/`sampled`, at
/// least the teacher's, so every teacher id has a logit).
public struct StudentShape: Sendable, Equatable, Codable {
    public var architecture: Architecture = .gpt2
    public var layers: Int
    public var dim: Int
    public var heads: Int
    public var kvHeads: Int?
    public var ffnDim: Int?
    /// Maximum positions (default: the run's sequence length).
    public var context: Int?
    public var vocabSize: Int?

    public init(architecture: Architecture = .gpt2, layers: Int, dim: Int, heads: Int, kvHeads: Int? = nil,
                ffnDim: Int? = nil, context: Int? = nil, vocabSize: Int? = nil) {
        self.architecture = architecture
        self.layers = layers
        self.dim = dim
        self.heads = heads
        self.kvHeads = kvHeads
        self.ffnDim = ffnDim
        self.context = context
        self.vocabSize = vocabSize
    }

    enum CodingKeys: String, CodingKey {
        case architecture, layers, dim, heads, context
        case kvHeads = "kv_heads", ffnDim = "ffn_dim", vocabSize = "vocab_size"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        architecture = try c.decode(.architecture, default: .gpt2)
        layers = try c.decode(Int.self, forKey: .layers)
        dim = try c.decode(Int.self, forKey: .dim)
        heads = try c.decode(Int.self, forKey: .heads)
        kvHeads = try c.decodeIfPresent(Int.self, forKey: .kvHeads)
        ffnDim = try c.decodeIfPresent(Int.self, forKey: .ffnDim)
        context = try c.decodeIfPresent(Int.self, forKey: .context)
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize)
    }

    /// Parses `layers=2,dim=64,heads=4[,arch=llama,kv_heads=2,ffn_dim=…,context=…,vocab_size=…]`.
    public init(parsing text: String) throws {
        var values = [String: String]()
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { throw CTKDError("expected key=value, got \"\(item)\"", field: "student-config") }
            values[parts[0] == "arch" ? "architecture" : parts[0].replacingOccurrences(of: "-", with: "_")] = parts[1]
        }
        func integer(_ key: String) throws -> Int? {
            guard let value = values.removeValue(forKey: key) else { return nil }
            guard let number = Int(value), number > 0 else {
                throw CTKDError("\(key) must be a positive integer, got \"\(value)\"", field: "student-config")
            }
            return number
        }
        var architecture = Architecture.gpt2
        if let name = values.removeValue(forKey: "architecture") {
            guard let parsed = Architecture(rawValue: name) else {
                throw CTKDError("unknown architecture \"\(name)\" (gpt2 or llama)", field: "student-config")
            }
            architecture = parsed
        }
        guard let layers = try integer("layers"), let dim = try integer("dim"), let heads = try integer("heads") else {
            throw CTKDError("needs layers, dim and heads (e.g. layers=2,dim=64,heads=4)", field: "student-config")
        }
        self.init(architecture: architecture, layers: layers, dim: dim, heads: heads, kvHeads: try integer("kv_heads"),
                  ffnDim: try integer("ffn_dim"), context: try integer("context"), vocabSize: try integer("vocab_size"))
        if let unknown = values.keys.sorted().first {
            throw CTKDError("unknown key \"\(unknown)\" (layers, dim, heads, arch, kv_heads, ffn_dim, context, vocab_size)",
                            field: "student-config")
        }
    }

    func config(vocabularySize: Int, sequenceLength: Int, endOfSequence: Int?) -> ModelConfig {
        ModelConfig(architecture: architecture, vocabularySize: vocabSize ?? vocabularySize,
                    contextLength: context ?? sequenceLength, layers: layers, dim: dim, heads: heads, kvHeads: kvHeads,
                    ffnDim: ffnDim, eosTokenIds: endOfSequence.map { [$0] } ?? [])
    }
}
