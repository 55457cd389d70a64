import Foundation
import CTKDCore

/// GPT-2's `config.json` (Hugging Face `GPT2Config`), with its defaults, mapped to `ModelConfig`.
struct GPT2Configuration: Decodable {
    var vocabSize = 50257
    var positions = 1024
    var embeddingSize = 768
    var layers = 12
    var heads = 12
    var innerSize: Int?
    var activation = "gelu_new"
    var layerNormEpsilon: Double = 1e-5
    var initializerRange = 0.02
    var tieWordEmbeddings = true
    var bosTokenId: Int? = 50256
    var eosTokenId = TokenIdList([50256])
    var scaleAttentionWeights = true
    var scaleAttentionByInverseLayerIndex = false

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size"
        case positions = "n_positions"
        case embeddingSize = "n_embd"
        case layers = "n_layer"
        case heads = "n_head"
        case innerSize = "n_inner"
        case activation = "activation_function"
        case layerNormEpsilon = "layer_norm_epsilon"
        case initializerRange = "initializer_range"
        case tieWordEmbeddings = "tie_word_embeddings"
        case bosTokenId = "bos_token_id"
        case eosTokenId = "eos_token_id"
        case scaleAttentionWeights = "scale_attn_weights"
        case scaleAttentionByInverseLayerIndex = "scale_attn_by_inverse_layer_idx"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decode(.vocabSize, default: vocabSize)
        positions = try c.decode(.positions, default: positions)
        embeddingSize = try c.decode(.embeddingSize, default: embeddingSize)
        layers = try c.decode(.layers, default: layers)
        heads = try c.decode(.heads, default: heads)
        innerSize = try c.decodeIfPresent(Int.self, forKey: .innerSize)
        activation = try c.decode(.activation, default: activation)
        layerNormEpsilon = try c.decode(.layerNormEpsilon, default: layerNormEpsilon)
        initializerRange = try c.decode(.initializerRange, default: initializerRange)
        tieWordEmbeddings = try c.decode(.tieWordEmbeddings, default: tieWordEmbeddings)
        bosTokenId = c.contains(.bosTokenId) ? try c.decodeIfPresent(Int.self, forKey: .bosTokenId) : bosTokenId
        eosTokenId = try c.decode(.eosTokenId, default: eosTokenId)
        scaleAttentionWeights = try c.decode(.scaleAttentionWeights, default: scaleAttentionWeights)
        scaleAttentionByInverseLayerIndex = try c.decode(.scaleAttentionByInverseLayerIndex, default: scaleAttentionByInverseLayerIndex)
        guard ["gelu_new", "gelu_pytorch_tanh"].contains(activation) else {
            throw CTKDError("unsupported activation \"\(activation)\" (ctkd's GPT-2 uses the tanh GELU, gelu_new)",
                            field: CodingKeys.activation.rawValue)
        }
        guard scaleAttentionWeights, !scaleAttentionByInverseLayerIndex else {
            throw CTKDError("only the standard 1/√d attention scale is supported", field: CodingKeys.scaleAttentionWeights.rawValue)
        }
    }

    init(_ config: ModelConfig) {
        vocabSize = config.vocabularySize
        positions = config.contextLength
        embeddingSize = config.dim
        layers = config.layers
        heads = config.heads
        innerSize = config.ffnDim == 4 * config.dim ? nil : config.ffnDim
        layerNormEpsilon = Double(config.normEpsilon)
        initializerRange = config.initializerRange
        tieWordEmbeddings = config.tiedEmbeddings
        bosTokenId = config.bosTokenId
        eosTokenId = TokenIdList(config.eosTokenIds)
    }

    var modelConfig: ModelConfig {
        ModelConfig(architecture: .gpt2, vocabularySize: vocabSize, contextLength: positions, layers: layers,
                    dim: embeddingSize, heads: heads, ffnDim: innerSize ?? 4 * embeddingSize,
                    normEpsilon: Float(layerNormEpsilon), tiedEmbeddings: tieWordEmbeddings,
                    attentionBias: true, mlpBias: true, bosTokenId: bosTokenId, eosTokenIds: eosTokenId.ids,
                    initializerRange: initializerRange)
    }

    /// The object transformers' `GPT2LMHeadModel.from_pretrained` reads.
    func jsonObject() -> [String: Any] {
        [
            "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
            "vocab_size": vocabSize, "n_positions": positions, "n_embd": embeddingSize, "n_layer": layers,
            "n_head": heads, "n_inner": innerSize.map { $0 as Any } ?? NSNull(), "activation_function": activation,
            "layer_norm_epsilon": layerNormEpsilon, "initializer_range": initializerRange,
            "tie_word_embeddings": tieWordEmbeddings,
            "bos_token_id": bosTokenId.map { $0 as Any } ?? NSNull(),
            "eos_token_id": eosTokenId.ids.isEmpty ? NSNull() : (eosTokenId.ids.count == 1 ? eosTokenId.ids[0] as Any : eosTokenId.ids),
            "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0,
            "scale_attn_weights": true, "use_cache": true, "dtype": "float32",
        ]
    }
}

/// GPT-2's tensors in a Hugging Face checkpoint. `Conv1D` weights are stored [in, out]; the
/// tied `lm_head.weight` is omitted.
enum GPT2 {
    static func tensorMappings(_ config: ModelConfig) -> [TensorMapping] {
        typealias N = ModelLayout.Name
        let (C, V, F) = (config.dim, config.vocabularySize, config.ffnDim)
        var list = [
            TensorMapping("transformer.wte.weight", [V, C], N.tokenEmbedding),
            TensorMapping("transformer.wpe.weight", [config.contextLength, C], N.positionEmbedding),
        ]
        for l in 0..<config.layers {
            let p = "transformer.h.\(l)."
            list += [
                TensorMapping(p + "ln_1.weight", [C], N.norm1Weight, offset: l * C),
                TensorMapping(p + "ln_1.bias", [C], N.norm1Bias, offset: l * C),
                TensorMapping(p + "attn.c_attn.weight", [C, 3 * C], N.qkvWeight, offset: l * 3 * C * C, transposed: true),
                TensorMapping(p + "attn.c_attn.bias", [3 * C], N.qkvBias, offset: l * 3 * C),
                TensorMapping(p + "attn.c_proj.weight", [C, C], N.attentionOutputWeight, offset: l * C * C, transposed: true),
                TensorMapping(p + "attn.c_proj.bias", [C], N.attentionOutputBias, offset: l * C),
                TensorMapping(p + "ln_2.weight", [C], N.norm2Weight, offset: l * C),
                TensorMapping(p + "ln_2.bias", [C], N.norm2Bias, offset: l * C),
                TensorMapping(p + "mlp.c_fc.weight", [C, F], N.fcWeight, offset: l * F * C, transposed: true),
                TensorMapping(p + "mlp.c_fc.bias", [F], N.fcBias, offset: l * F),
                TensorMapping(p + "mlp.c_proj.weight", [F, C], N.projectionWeight, offset: l * C * F, transposed: true),
                TensorMapping(p + "mlp.c_proj.bias", [C], N.projectionBias, offset: l * C),
            ]
        }
        list += [
            TensorMapping("transformer.ln_f.weight", [C], N.finalNormWeight),
            TensorMapping("transformer.ln_f.bias", [C], N.finalNormBias),
        ]
        if !config.tiedEmbeddings { list.append(TensorMapping("lm_head.weight", [V, C], N.lmHead)) }
        return list
    }

    /// `GPT2Model` checkpoints (no LM head) name tensors without the `transformer.` prefix.
    static func alternativeName(_ name: String) -> String? {
        name.hasPrefix("transformer.") ? String(name.dropFirst("transformer.".count)) : nil
    }
}
