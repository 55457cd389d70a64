import CTKDTensor

/// Where each of a model's tensors lives in its `ParameterSet`.
///
/// Per-layer tensors are stacked over layers as in llm.c (one tensor of shape (L, …) each). The
/// q/k/v projections are fused into one matrix, and SwiGLU's gate and up projections into one
/// [gate | up] matrix, so each is a single GEMM; the file formats split them again.
struct ModelLayout: Sendable {
    let config: ModelConfig

    init(_ config: ModelConfig) { self.config = config }

    /// Internal tensor names.
    enum Name {
        static let tokenEmbedding = "token_embedding"       // (V, C)
        static let positionEmbedding = "position_embedding" // (maxT, C)        GPT-2
        static let norm1Weight = "norm1.weight"             // (L, C)
        static let norm1Bias = "norm1.bias"                 // (L, C)           LayerNorm
        static let qkvWeight = "qkv.weight"                 // (L, QKV, C)
        static let qkvBias = "qkv.bias"                     // (L, QKV)
        static let attentionOutputWeight = "attention_output.weight" // (L, C, H·D)
        static let attentionOutputBias = "attention_output.bias"     // (L, C)
        static let norm2Weight = "norm2.weight"             // (L, C)
        static let norm2Bias = "norm2.bias"                 // (L, C)
        static let fcWeight = "fc.weight"                   // (L, F, C)  F = 4C or 2·I
        static let fcBias = "fc.bias"                       // (L, F)
        static let projectionWeight = "projection.weight"   // (L, C, I)
        static let projectionBias = "projection.bias"       // (L, C)
        static let finalNormWeight = "final_norm.weight"    // (C)
        static let finalNormBias = "final_norm.bias"        // (C)
        static let lmHead = "lm_head"                       // (V, C)           untied only
    }

    var tensors: [ParameterSet.Tensor] {
        let c = config
        let (L, C) = (c.layers, c.dim)
        var list: [ParameterSet.Tensor] = [.init(name: Name.tokenEmbedding, shape: [c.vocabularySize, C], decays: false)]
        if c.usesLearnedPositions {
            list.append(.init(name: Name.positionEmbedding, shape: [c.contextLength, C], decays: false))
        }
        list.append(.init(name: Name.norm1Weight, shape: [L, C], decays: false))
        if c.usesLayerNorm { list.append(.init(name: Name.norm1Bias, shape: [L, C], decays: false)) }
        list.append(.init(name: Name.qkvWeight, shape: [L, c.qkvWidth, C], decays: true))
        if c.attentionBias { list.append(.init(name: Name.qkvBias, shape: [L, c.qkvWidth], decays: false)) }
        list.append(.init(name: Name.attentionOutputWeight, shape: [L, C, c.attentionWidth], decays: true))
        if c.attentionBias { list.append(.init(name: Name.attentionOutputBias, shape: [L, C], decays: false)) }
        list.append(.init(name: Name.norm2Weight, shape: [L, C], decays: false))
        if c.usesLayerNorm { list.append(.init(name: Name.norm2Bias, shape: [L, C], decays: false)) }
        list.append(.init(name: Name.fcWeight, shape: [L, c.fcWidth, C], decays: true))
        if c.mlpBias { list.append(.init(name: Name.fcBias, shape: [L, c.fcWidth], decays: false)) }
        list.append(.init(name: Name.projectionWeight, shape: [L, C, c.ffnDim], decays: true))
        if c.mlpBias { list.append(.init(name: Name.projectionBias, shape: [L, C], decays: false)) }
        list.append(.init(name: Name.finalNormWeight, shape: [C], decays: false))
        if c.usesLayerNorm { list.append(.init(name: Name.finalNormBias, shape: [C], decays: false)) }
        if !c.tiedEmbeddings { list.append(.init(name: Name.lmHead, shape: [c.vocabularySize, C], decays: true)) }
        return list
    }

    var parameterCount: Int { tensors.reduce(0) { $0 + $1.count } }
}

/// Pointers to one layer's tensors (values or gradients: the two arenas share a layout).
struct LayerTensors {
    var norm1Weight: UnsafeMutablePointer<Float>
    var norm1Bias: UnsafeMutablePointer<Float>?
    var qkvWeight: UnsafeMutablePointer<Float>
    var qkvBias: UnsafeMutablePointer<Float>?
    var attentionOutputWeight: UnsafeMutablePointer<Float>
    var attentionOutputBias: UnsafeMutablePointer<Float>?
    var norm2Weight: UnsafeMutablePointer<Float>
    var norm2Bias: UnsafeMutablePointer<Float>?
    var fcWeight: UnsafeMutablePointer<Float>
    var fcBias: UnsafeMutablePointer<Float>?
    var projectionWeight: UnsafeMutablePointer<Float>
    var projectionBias: UnsafeMutablePointer<Float>?
}

/// Pointers to all of a model's tensors inside one arena.
struct ModelTensors {
    let config: ModelConfig
    var tokenEmbedding: UnsafeMutablePointer<Float>
    var positionEmbedding: UnsafeMutablePointer<Float>?
    var finalNormWeight: UnsafeMutablePointer<Float>
    var finalNormBias: UnsafeMutablePointer<Float>?
    /// The output projection: the token embedding itself when tied.
    var lmHead: UnsafeMutablePointer<Float>
    private var stacked: [String: UnsafeMutablePointer<Float>]

    init(_ set: ParameterSet, base: UnsafeMutablePointer<Float>, config: ModelConfig) {
        self.config = config
        func pointer(_ name: String) -> UnsafeMutablePointer<Float>? { set.tensor(name).map { base + $0.offset } }
        typealias N = ModelLayout.Name
        tokenEmbedding = pointer(N.tokenEmbedding)!
        positionEmbedding = pointer(N.positionEmbedding)
        finalNormWeight = pointer(N.finalNormWeight)!
        finalNormBias = pointer(N.finalNormBias)
        lmHead = pointer(N.lmHead) ?? tokenEmbedding
        stacked = [:]
        for name in [N.norm1Weight, N.norm1Bias, N.qkvWeight, N.qkvBias, N.attentionOutputWeight, N.attentionOutputBias,
                     N.norm2Weight, N.norm2Bias, N.fcWeight, N.fcBias, N.projectionWeight, N.projectionBias] {
            if let p = pointer(name) { stacked[name] = p }
        }
    }

    func layer(_ l: Int) -> LayerTensors {
        let c = config
        let (C, QKV, A, F, I) = (c.dim, c.qkvWidth, c.attentionWidth, c.fcWidth, c.ffnDim)
        typealias N = ModelLayout.Name
        func at(_ name: String, _ perLayer: Int) -> UnsafeMutablePointer<Float>? { stacked[name].map { $0 + l * perLayer } }
        return LayerTensors(
            norm1Weight: at(N.norm1Weight, C)!, norm1Bias: at(N.norm1Bias, C),
            qkvWeight: at(N.qkvWeight, QKV * C)!, qkvBias: at(N.qkvBias, QKV),
            attentionOutputWeight: at(N.attentionOutputWeight, C * A)!, attentionOutputBias: at(N.attentionOutputBias, C),
            norm2Weight: at(N.norm2Weight, C)!, norm2Bias: at(N.norm2Bias, C),
            fcWeight: at(N.fcWeight, F * C)!, fcBias: at(N.fcBias, F),
            projectionWeight: at(N.projectionWeight, C * I)!, projectionBias: at(N.projectionBias, C))
    }
}
