import Foundation
import CTKDCore

/// The decoder-only architectures ctkd runs, named by Hugging Face's `model_type`.
public enum Architecture: String, Codable, Sendable, CaseIterable {
    /// Learned positions, LayerNorm, fused qkv with bias, tanh-GELU MLP, tied lm_head.
    case gpt2
    /// RoPE, RMSNorm, SwiGLU MLP, grouped-query attention, tied or untied lm_head.
    case llama
}

/// Everything that fixes a model's shapes and numerics, independent of the file format.
///
/// Read from and written to Hugging Face `config.json` by `GPT2Configuration` and
/// `LlamaConfiguration`; `ModelConfig.load(directory:)` picks one by `model_type`.
public struct ModelConfig: Codable, Sendable, Equatable {
    public var architecture: Architecture
    public var vocabularySize: Int
    /// The longest sequence the model supports (GPT-2's learned position table has this many rows).
    public var contextLength: Int
    public var layers: Int
    /// Channels of the residual stream (C).
    public var dim: Int
    public var heads: Int
    public var kvHeads: Int
    public var headSize: Int
    /// The MLP's hidden width (GPT-2: 4·C by default; Llama: `intermediate_size`).
    public var ffnDim: Int
    public var normEpsilon: Float
    /// RoPE base (Llama only).
    public var ropeTheta: Double
    public var tiedEmbeddings: Bool
    /// Biases on the q/k/v and attention output projections.
    public var attentionBias: Bool
    /// Biases on the MLP projections.
    public var mlpBias: Bool
    public var bosTokenId: Int?
    public var eosTokenIds: [Int]
    /// Standard deviation of new weight matrices.
    public var initializerRange: Double

    public init(architecture: Architecture, vocabularySize: Int, contextLength: Int, layers: Int, dim: Int,
                heads: Int, kvHeads: Int? = nil, headSize: Int? = nil, ffnDim: Int? = nil,
                normEpsilon: Float? = nil, ropeTheta: Double = 10_000, tiedEmbeddings: Bool = true,
                attentionBias: Bool? = nil, mlpBias: Bool? = nil, bosTokenId: Int? = nil, eosTokenIds: [Int] = [],
                initializerRange: Double = 0.02) {
        self.architecture = architecture
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.layers = layers
        self.dim = dim
        self.heads = heads
        self.kvHeads = kvHeads ?? heads
        self.headSize = headSize ?? (heads > 0 ? dim / heads : 0)
        let isGPT2 = architecture == .gpt2
        self.ffnDim = ffnDim ?? (isGPT2 ? 4 * dim : Self.llamaHiddenWidth(dim))
        self.normEpsilon = normEpsilon ?? (isGPT2 ? 1e-5 : 1e-6)
        self.ropeTheta = ropeTheta
        self.tiedEmbeddings = tiedEmbeddings
        self.attentionBias = attentionBias ?? isGPT2
        self.mlpBias = mlpBias ?? isGPT2
        self.bosTokenId = bosTokenId
        self.eosTokenIds = eosTokenIds
        self.initializerRange = initializerRange
    }

    /// Llama's rule for the SwiGLU width: 2/3 of 4·C, rounded up to a multiple of 64.
    static func llamaHiddenWidth(_ dim: Int) -> Int { ((8 * dim / 3) + 63) / 64 * 64 }

    // MARK: Derived sizes

    public var usesLayerNorm: Bool { architecture == .gpt2 }
    public var usesLearnedPositions: Bool { architecture == .gpt2 }
    public var usesRotaryPositions: Bool { architecture == .llama }
    public var attentionShape: Attention.Shape { Attention.Shape(heads: heads, kvHeads: kvHeads, headSize: headSize) }
    /// Width of the fused q/k/v projection's output.
    public var qkvWidth: Int { attentionShape.qkvWidth }
    /// Width of the attention output (H·D), the input of the attention's output projection.
    public var attentionWidth: Int { heads * headSize }
    /// Width of the first MLP projection's output: 4C for GELU, [gate | up] for SwiGLU.
    public var fcWidth: Int { architecture == .gpt2 ? ffnDim : 2 * ffnDim }

    /// Checks the shapes fit together; `source` names the file in the error.
    public func validate(source: String? = nil) throws {
        func fail(_ message: String, _ field: String) -> CTKDError { CTKDError(message, file: source, field: field) }
        if vocabularySize <= 0 { throw fail("must be positive", "vocab_size") }
        if layers <= 0 { throw fail("must be positive", "num_hidden_layers") }
        if dim <= 0 { throw fail("must be positive", "hidden_size") }
        if heads <= 0 { throw fail("must be positive", "num_attention_heads") }
        if kvHeads <= 0 || heads % kvHeads != 0 {
            throw fail("\(kvHeads) key/value heads do not divide \(heads) attention heads", "num_key_value_heads")
        }
        if headSize <= 0 { throw fail("must be positive", "head_dim") }
        if architecture == .gpt2 && headSize * heads != dim {
            throw fail("\(heads) heads do not divide the width \(dim)", "n_head")
        }
        if usesRotaryPositions && headSize % 2 != 0 { throw fail("rotary embeddings need an even head size", "head_dim") }
        if ffnDim <= 0 { throw fail("must be positive", "intermediate_size") }
        if contextLength <= 0 { throw fail("must be positive", "max_position_embeddings") }
        if !(normEpsilon > 0) { throw fail("must be positive", "layer_norm_epsilon") }
        if usesRotaryPositions && !(ropeTheta > 0) { throw fail("must be positive", "rope_theta") }
    }

    /// Number of parameters (the tied head counted once).
    public var parameterCount: Int { ModelLayout(self).parameterCount }
}

extension ModelConfig {
    /// Reads `DIRECTORY/config.json`, dispatching on `model_type` (the registry of architectures).
    public static func load(directory: String) throws -> (config: ModelConfig, raw: [String: Any]) {
        let path = directory + "/config.json"
        let bytes = try FileIO.read(path)
        guard let raw = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw CTKDError("not a JSON object", file: path)
        }
        guard let modelType = raw["model_type"] as? String else {
            throw CTKDError("missing (expected \"gpt2\" or \"llama\")", file: path, field: "model_type")
        }
        let decoder = JSONDecoder()
        let config: ModelConfig
        do {
            switch modelType {
            case "gpt2": config = try decoder.decode(GPT2Configuration.self, from: Data(bytes)).modelConfig
            case "llama":
                config = try decoder.decode(LlamaConfiguration.self, from: Data(bytes)).modelConfig
            default:
                throw CTKDError("unsupported model type \"\(modelType)\" (supported: gpt2, llama)", field: "model_type")
            }
        } catch let error as DecodingError {
            throw JSONLines.describe(error).located(file: path)
        } catch let error as CTKDError {
            throw error.located(file: path)
        }
        try config.validate(source: path)
        return (config, raw)
    }

    /// The Hugging Face `config.json` object for this configuration.
    public func huggingFaceConfig() -> [String: Any] {
        switch architecture {
        case .gpt2: GPT2Configuration(self).jsonObject()
        case .llama: LlamaConfiguration(self).jsonObject()
        }
    }
}

/// Hugging Face writes `eos_token_id` as a number or a list of numbers.
struct TokenIdList: Codable {
    var ids: [Int]
    init(_ ids: [Int]) { self.ids = ids }
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { ids = [] } else if let one = try? container.decode(Int.self) { ids = [one] } else {
            ids = try container.decode([Int].self)
        }
    }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if ids.count == 1 { try container.encode(ids[0]) } else { try container.encode(ids) }
    }
}
