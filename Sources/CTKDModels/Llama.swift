import Foundation
import CTKDCore

/// Llama's `config.json` (Hugging Face `LlamaConfig`), with its defaults, mapped to `ModelConfig`.
/// The RoPE base is read from `rope_theta` or, as transformers 5 writes it, `rope_parameters.rope_theta`.
struct LlamaConfiguration: Decodable {
    var vocabSize = 32000
    var hiddenSize = 4096
    var intermediateSize = 11008
    var layers = 32
    var heads = 32
    var kvHeads: Int?
    var headDim: Int?
    var hiddenAct = "silu"
    var maxPositions = 2048
    var rmsNormEpsilon: Double = 1e-6
    var ropeTheta: Double = 10_000
    var attentionBias = false
    var mlpBias = false
    var tieWordEmbeddings = false
    var bosTokenId: Int? = 1
    var eosTokenId = TokenIdList([2])
    var initializerRange = 0.02

    struct RopeParameters: Decodable {
        var ropeTheta: Double?
        var ropeType: String?
        var type: String?
        enum CodingKeys: String, CodingKey {
            case ropeTheta = "rope_theta", ropeType = "rope_type", type
        }
    }

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size"
        case hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size"
        case layers = "num_hidden_layers"
        case heads = "num_attention_heads"
        case kvHeads = "num_key_value_heads"
        case headDim = "head_dim"
        case hiddenAct = "hidden_act"
        case maxPositions = "max_position_embeddings"
        case rmsNormEpsilon = "rms_norm_eps"
        case ropeTheta = "rope_theta"
        case ropeParameters = "rope_parameters"
        case ropeScaling = "rope_scaling"
        case attentionBias = "attention_bias"
        case mlpBias = "mlp_bias"
        case tieWordEmbeddings = "tie_word_embeddings"
        case bosTokenId = "bos_token_id"
        case eosTokenId = "eos_token_id"
        case initializerRange = "initializer_range"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decode(.vocabSize, default: vocabSize)
        hiddenSize = try c.decode(.hiddenSize, default: hiddenSize)
        intermediateSize = try c.decode(.intermediateSize, default: intermediateSize)
        layers = try c.decode(.layers, default: layers)
        heads = try c.decode(.heads, default: heads)
        kvHeads = try c.decodeIfPresent(Int.self, forKey: .kvHeads)
        headDim = try c.decodeIfPresent(Int.self, forKey: .headDim)
        hiddenAct = try c.decode(.hiddenAct, default: hiddenAct)
        maxPositions = try c.decode(.maxPositions, default: maxPositions)
        rmsNormEpsilon = try c.decode(.rmsNormEpsilon, default: rmsNormEpsilon)
        attentionBias = try c.decode(.attentionBias, default: attentionBias)
        mlpBias = try c.decode(.mlpBias, default: mlpBias)
        tieWordEmbeddings = try c.decode(.tieWordEmbeddings, default: tieWordEmbeddings)
        bosTokenId = c.contains(.bosTokenId) ? try c.decodeIfPresent(Int.self, forKey: .bosTokenId) : bosTokenId
        eosTokenId = try c.decode(.eosTokenId, default: eosTokenId)
        initializerRange = try c.decode(.initializerRange, default: initializerRange)
        let parameters = try c.decodeIfPresent(RopeParameters.self, forKey: .ropeParameters)
        let scaling = try c.decodeIfPresent(RopeParameters.self, forKey: .ropeScaling)
        ropeTheta = try c.decodeIfPresent(Double.self, forKey: .ropeTheta) ?? parameters?.ropeTheta ?? ropeTheta
        for (rope, key) in [(parameters, CodingKeys.ropeParameters), (scaling, .ropeScaling)] {
            if let kind = rope?.ropeType ?? rope?.type, kind != "default" {
                throw CTKDError("RoPE scaling \"\(kind)\" is not supported (only the default rotary embedding)",
                                field: key.rawValue)
            }
        }
        guard hiddenAct == "silu" else {
            throw CTKDError("unsupported activation \"\(hiddenAct)\" (Llama uses silu)", field: CodingKeys.hiddenAct.rawValue)
        }
    }

    init(_ config: ModelConfig) {
        vocabSize = config.vocabularySize
        hiddenSize = config.dim
        intermediateSize = config.ffnDim
        layers = config.layers
        heads = config.heads
        kvHeads = config.kvHeads
        headDim = config.headSize
        maxPositions = config.contextLength
        rmsNormEpsilon = Double(config.normEpsilon)
        ropeTheta = config.ropeTheta
        attentionBias = config.attentionBias
        mlpBias = config.mlpBias
        tieWordEmbeddings = config.tiedEmbeddings
        bosTokenId = config.bosTokenId
        eosTokenId = TokenIdList(config.eosTokenIds)
        initializerRange = config.initializerRange
    }

    var modelConfig: ModelConfig {
        ModelConfig(architecture: .llama, vocabularySize: vocabSize, contextLength: maxPositions, layers: layers,
                    dim: hiddenSize, heads: heads, kvHeads: kvHeads ?? heads, headSize: headDim ?? hiddenSize / max(heads, 1),
                    ffnDim: intermediateSize, normEpsilon: Float(rmsNormEpsilon), ropeTheta: ropeTheta,
                    tiedEmbeddings: tieWordEmbeddings, attentionBias: attentionBias, mlpBias: mlpBias,
                    bosTokenId: bosTokenId, eosTokenIds: eosTokenId.ids, initializerRange: initializerRange)
    }

    /// The object transformers' `LlamaForCausalLM.from_pretrained` reads (transformers 5 layout,
    /// with the RoPE base also at the top level for older readers).
    func jsonObject() -> [String: Any] {
        [
            "architectures": ["LlamaForCausalLM"], "model_type": "llama",
            "vocab_size": vocabSize, "hidden_size": hiddenSize, "intermediate_size": intermediateSize,
            "num_hidden_layers": layers, "num_attention_heads": heads, "num_key_value_heads": kvHeads ?? heads,
            "head_dim": headDim ?? hiddenSize / heads, "hidden_act": hiddenAct, "max_position_embeddings": maxPositions,
            "rms_norm_eps": rmsNormEpsilon, "rope_theta": ropeTheta,
            "rope_parameters": ["rope_theta": ropeTheta, "rope_type": "default"],
            "attention_bias": attentionBias, "attention_dropout": 0.0, "mlp_bias": mlpBias,
            "tie_word_embeddings": tieWordEmbeddings, "initializer_range": initializerRange,
            "bos_token_id": bosTokenId.map { $0 as Any } ?? NSNull(),
            "eos_token_id": eosTokenId.ids.isEmpty ? NSNull() : (eosTokenId.ids.count == 1 ? eosTokenId.ids[0] as Any : eosTokenId.ids),
            "pretraining_tp": 1, "use_cache": true, "dtype": "float32",
        ]
    }
}

/// Llama's tensors in a Hugging Face checkpoint: q/k/v and gate/up are separate [out, in]
/// matrices that ctkd fuses; `lm_head.weight` is omitted when tied.
enum Llama {
    static func tensorMappings(_ config: ModelConfig) -> [TensorMapping] {
        typealias N = ModelLayout.Name
        let (C, V, I, D) = (config.dim, config.vocabularySize, config.ffnDim, config.headSize)
        let (H, K, QKV) = (config.heads, config.kvHeads, config.qkvWidth)
        var list = [TensorMapping("model.embed_tokens.weight", [V, C], N.tokenEmbedding)]
        for l in 0..<config.layers {
            let p = "model.layers.\(l)."
            list += [
                TensorMapping(p + "input_layernorm.weight", [C], N.norm1Weight, offset: l * C),
                TensorMapping(p + "self_attn.q_proj.weight", [H * D, C], N.qkvWeight, offset: l * QKV * C),
                TensorMapping(p + "self_attn.k_proj.weight", [K * D, C], N.qkvWeight, offset: l * QKV * C + H * D * C),
                TensorMapping(p + "self_attn.v_proj.weight", [K * D, C], N.qkvWeight, offset: l * QKV * C + (H + K) * D * C),
                TensorMapping(p + "self_attn.o_proj.weight", [C, H * D], N.attentionOutputWeight, offset: l * C * H * D),
                TensorMapping(p + "post_attention_layernorm.weight", [C], N.norm2Weight, offset: l * C),
                TensorMapping(p + "mlp.gate_proj.weight", [I, C], N.fcWeight, offset: l * 2 * I * C),
                TensorMapping(p + "mlp.up_proj.weight", [I, C], N.fcWeight, offset: l * 2 * I * C + I * C),
                TensorMapping(p + "mlp.down_proj.weight", [C, I], N.projectionWeight, offset: l * C * I),
            ]
            if config.attentionBias {
                list += [
                    TensorMapping(p + "self_attn.q_proj.bias", [H * D], N.qkvBias, offset: l * QKV),
                    TensorMapping(p + "self_attn.k_proj.bias", [K * D], N.qkvBias, offset: l * QKV + H * D),
                    TensorMapping(p + "self_attn.v_proj.bias", [K * D], N.qkvBias, offset: l * QKV + (H + K) * D),
                    TensorMapping(p + "self_attn.o_proj.bias", [C], N.attentionOutputBias, offset: l * C),
                ]
            }
            if config.mlpBias {
                list += [
                    TensorMapping(p + "mlp.gate_proj.bias", [I], N.fcBias, offset: l * 2 * I),
                    TensorMapping(p + "mlp.up_proj.bias", [I], N.fcBias, offset: l * 2 * I + I),
                    TensorMapping(p + "mlp.down_proj.bias", [C], N.projectionBias, offset: l * C),
                ]
            }
        }
        list.append(TensorMapping("model.norm.weight", [C], N.finalNormWeight))
        if !config.tiedEmbeddings { list.append(TensorMapping("lm_head.weight", [V, C], N.lmHead)) }
        return list
    }
}
