import CTKDCore
import CTKDTensor

/// The result of a training forward pass: views into the model's saved activations, valid until
/// the next `forward`.
public struct ForwardPass {
    public let batch: Int
    public let time: Int
    /// (B, T, V). The loss may overwrite it with dlogits and pass it back to `backward`.
    public let logits: UnsafeMutableBufferPointer<Float>
    /// (B, T, C): the final hidden state after the final norm (what the lm_head reads).
    public let hidden: UnsafeMutableBufferPointer<Float>
}

/// Saved activations of a training forward pass over (B, T) tokens, in one arena.
final class TrainingActivations {
    let batch: Int, time: Int
    let buffer: FloatBuffer
    var tokens: [Int32]
    let positions: [Int32]
    private let residuals: Int, perLayer: Int, finalNorm: Int, finalMean: Int, finalRstd: Int, logits: Int
    private let offsets: [Int]  // within a layer block: norm1, mean1, rstd1, qkv, probs, attention, mid, norm2, mean2, rstd2, fc, act

    init(config: ModelConfig, batch: Int, time: Int) {
        let N = batch * time
        let c = config
        var layer = ArenaLayout()
        let sizes = [N * c.dim, N, N, N * c.qkvWidth, batch * c.heads * time * time, N * c.attentionWidth,
                     N * c.dim, N * c.dim, N, N, N * c.fcWidth, N * c.ffnDim]
        offsets = sizes.map { layer.reserve($0) }
        perLayer = (layer.count + 15) & ~15
        var model = ArenaLayout()
        residuals = model.reserve((c.layers + 1) * N * c.dim)
        let layers = model.reserve(c.layers * perLayer)
        precondition(layers % 16 == 0)
        finalNorm = model.reserve(N * c.dim)
        finalMean = model.reserve(N)
        finalRstd = model.reserve(N)
        logits = model.reserve(N * c.vocabularySize)
        self.batch = batch
        self.time = time
        self.layersStart = layers
        buffer = FloatBuffer(count: model.count)
        tokens = [Int32](repeating: 0, count: N)
        positions = (0..<N).map { Int32($0 % time) }
        dim = c.dim
    }

    private let layersStart: Int
    private let dim: Int
    var rows: Int { batch * time }

    /// Input of layer `l` (l = L: the last block's output).
    func residual(_ l: Int) -> UnsafeMutablePointer<Float> { buffer.pointer + residuals + l * rows * dim }

    func layer(_ l: Int) -> LayerBuffers {
        let base = buffer.pointer + layersStart + l * perLayer
        let o = offsets
        return LayerBuffers(input: residual(l), norm1: base + o[0], norm1Mean: base + o[1], norm1Rstd: base + o[2],
                            qkv: base + o[3], attention: base + o[5], residualMid: base + o[6],
                            norm2: base + o[7], norm2Mean: base + o[8], norm2Rstd: base + o[9],
                            fc: base + o[10], activation: base + o[11], output: residual(l + 1))
    }

    func probabilities(_ l: Int) -> UnsafeMutablePointer<Float> { buffer.pointer + layersStart + l * perLayer + offsets[4] }
    var finalNormOut: UnsafeMutablePointer<Float> { buffer.pointer + finalNorm }
    var finalNormMean: UnsafeMutablePointer<Float> { buffer.pointer + finalMean }
    var finalNormRstd: UnsafeMutablePointer<Float> { buffer.pointer + finalRstd }
    var logitsPointer: UnsafeMutablePointer<Float> { buffer.pointer + logits }
}

/// Activation gradients for one layer at a time, reused from the last layer to the first.
final class TrainingGradients {
    let buffer: FloatBuffer
    let residual: UnsafeMutablePointer<Float>   // (N, C) running gradient of the residual stream
    let norm: UnsafeMutablePointer<Float>       // (N, C)
    let qkv: UnsafeMutablePointer<Float>        // (N, QKV)
    let attention: UnsafeMutablePointer<Float>  // (N, H·D)
    let fc: UnsafeMutablePointer<Float>         // (N, F)
    let activation: UnsafeMutablePointer<Float> // (N, I)
    let rows: Int

    init(config c: ModelConfig, rows N: Int) {
        var layout = ArenaLayout()
        let offsets = [N * c.dim, N * c.dim, N * c.qkvWidth, N * c.attentionWidth, N * c.fcWidth, N * c.ffnDim].map { layout.reserve($0) }
        buffer = FloatBuffer(count: layout.count)
        let p = buffer.pointer
        (residual, norm, qkv, attention, fc, activation) = (p + offsets[0], p + offsets[1], p + offsets[2], p + offsets[3], p + offsets[4], p + offsets[5])
        rows = N
    }
}

extension LanguageModel {
    /// Runs the model on `tokens` (B·T ids, row-major (B, T); every row starts at position 0) and
    /// saves what `backward` needs. Variable-length examples are padded on the right: causal
    /// attention keeps real positions independent of the padding, and the loss masks it out.
    public func forward(tokens: [Int32], batch: Int, time: Int) throws -> ForwardPass {
        precondition(tokens.count == batch * time, "expected \(batch)×\(time) tokens, got \(tokens.count)")
        try tokens.withUnsafeBufferPointer { try checkInputs($0, maximumPosition: time - 1) }
        if training?.batch != batch || training?.time != time {
            training = nil
            trainingGradients = nil
            training = TrainingActivations(config: config, batch: batch, time: time)
        }
        let acts = training!
        acts.tokens = tokens
        let w = values
        let c = config
        let N = batch * time
        acts.positions.withUnsafeBufferPointer { positions in
            let positions = positions.baseAddress!
            Profiler.measure("embedding.forward") {
                acts.tokens.withUnsafeBufferPointer {
                    Embedding.forward(out: acts.residual(0), tokens: $0.baseAddress!, positions: positions,
                                      tokenTable: w.tokenEmbedding, positionTable: w.positionEmbedding, rows: N, channels: c.dim)
                }
            }
            for l in 0..<c.layers {
                let probabilities = acts.probabilities(l)
                layerForward(w.layer(l), acts.layer(l), rows: N, positions: positions) { qkv, out in
                    Attention.forward(out: out, probabilities: probabilities, qkv: qkv, batch: batch, time: time,
                                      shape: c.attentionShape)
                }
            }
        }
        Profiler.measure("norm.forward") {
            normForward(out: acts.finalNormOut, mean: acts.finalNormMean, rstd: acts.finalNormRstd, inp: acts.residual(c.layers),
                        weight: w.finalNormWeight, bias: w.finalNormBias, rows: N)
        }
        Profiler.measure("lm_head.forward") {
            Linear.forward(out: acts.logitsPointer, inp: acts.finalNormOut, weight: w.lmHead, bias: nil,
                           rows: N, inChannels: c.dim, outChannels: c.vocabularySize)
        }
        return ForwardPass(batch: batch, time: time,
                           logits: UnsafeMutableBufferPointer(start: acts.logitsPointer, count: N * c.vocabularySize),
                           hidden: UnsafeMutableBufferPointer(start: acts.finalNormOut, count: N * c.dim))
    }

    /// The residual stream entering layer `l` in the last training forward (l = L: the last
    /// block's output before the final norm), (B, T, C). Hugging Face's `hidden_states` are
    /// layers 0..<L of this, then the final hidden state.
    public func residualStream(layer l: Int) -> UnsafeBufferPointer<Float> {
        let acts = training!
        return UnsafeBufferPointer(start: acts.residual(l), count: acts.rows * config.dim)
    }

    /// Adds the gradients of the last `forward` into `parameters.gradients`, given the gradient
    /// of the loss with respect to the logits (B, T, V) (which may be the `ForwardPass.logits`
    /// buffer itself) and optionally with respect to the final hidden state (B, T, C).
    public func backward(logitsGradient: UnsafePointer<Float>, hiddenGradient: UnsafePointer<Float>? = nil) {
        guard let acts = training else { preconditionFailure("backward without a forward") }
        let c = config
        let N = acts.rows
        if trainingGradients == nil { trainingGradients = TrainingGradients(config: c, rows: N) }
        let d = trainingGradients!
        let w = values
        let g = gradients
        let (C, QKV, A, F, I) = (c.dim, c.qkvWidth, c.attentionWidth, c.fcWidth, c.ffnDim)

        // lm_head and final norm: d(final hidden) = dlogits · W (+ the caller's extra gradient).
        Profiler.measure("lm_head.backward") {
            Linear.backward(dinp: d.norm, dweight: g.lmHead, dbias: nil, dout: logitsGradient, inp: acts.finalNormOut,
                            weight: w.lmHead, rows: N, inChannels: C, outChannels: c.vocabularySize, overwriteInputGradient: true)
        }
        if let hiddenGradient { VectorMath.addScaled(hiddenGradient, d.norm, count: N * C) }
        d.residual.update(repeating: 0, count: N * C)
        Profiler.measure("norm.backward") {
            normBackward(dinp: d.residual, dweight: g.finalNormWeight, dbias: g.finalNormBias, dout: d.norm,
                         inp: acts.residual(c.layers), weight: w.finalNormWeight,
                         mean: acts.finalNormMean, rstd: acts.finalNormRstd, rows: N)
        }

        acts.positions.withUnsafeBufferPointer { positions in
            for l in stride(from: c.layers - 1, through: 0, by: -1) {
                let (lw, lg, io) = (w.layer(l), g.layer(l), acts.layer(l))
                // MLP branch: output = residualMid + Wproj · act(Wfc · norm2(residualMid))
                Profiler.measure("projection.backward") {
                    Linear.backward(dinp: d.activation, dweight: lg.projectionWeight, dbias: lg.projectionBias,
                                    dout: d.residual, inp: io.activation, weight: lw.projectionWeight,
                                    rows: N, inChannels: I, outChannels: C, overwriteInputGradient: true)
                }
                Profiler.measure("activation.backward") {
                    if c.architecture == .gpt2 {
                        GELU.backward(dinp: d.fc, inp: io.fc, dout: d.activation, count: N * I, overwrite: true)
                    } else {
                        SwiGLU.backward(dinp: d.fc, inp: io.fc, dout: d.activation, rows: N, hidden: I, overwrite: true)
                    }
                }
                Profiler.measure("fc.backward") {
                    Linear.backward(dinp: d.norm, dweight: lg.fcWeight, dbias: lg.fcBias, dout: d.fc, inp: io.norm2,
                                    weight: lw.fcWeight, rows: N, inChannels: C, outChannels: F, overwriteInputGradient: true)
                }
                Profiler.measure("norm.backward") {
                    normBackward(dinp: d.residual, dweight: lg.norm2Weight, dbias: lg.norm2Bias, dout: d.norm,
                                 inp: io.residualMid, weight: lw.norm2Weight, mean: io.norm2Mean, rstd: io.norm2Rstd, rows: N)
                }
                // Attention branch: residualMid = input + Wo · attention(rope(Wqkv · norm1(input)))
                Profiler.measure("attention_output.backward") {
                    Linear.backward(dinp: d.attention, dweight: lg.attentionOutputWeight, dbias: lg.attentionOutputBias,
                                    dout: d.residual, inp: io.attention, weight: lw.attentionOutputWeight,
                                    rows: N, inChannels: A, outChannels: C, overwriteInputGradient: true)
                }
                Profiler.measure("attention.backward") {
                    d.qkv.update(repeating: 0, count: N * QKV)
                    Attention.backward(dqkv: d.qkv, dout: d.attention, qkv: io.qkv, probabilities: acts.probabilities(l),
                                       batch: acts.batch, time: acts.time, shape: c.attentionShape)
                }
                if c.usesRotaryPositions {
                    Profiler.measure("rope.backward") {
                        RoPE.apply(d.qkv, stride: QKV, heads: c.heads + c.kvHeads, positions: positions.baseAddress!,
                                   rows: N, table: rotary!, inverse: true)
                    }
                }
                Profiler.measure("qkv.backward") {
                    Linear.backward(dinp: d.norm, dweight: lg.qkvWeight, dbias: lg.qkvBias, dout: d.qkv, inp: io.norm1,
                                    weight: lw.qkvWeight, rows: N, inChannels: C, outChannels: QKV, overwriteInputGradient: true)
                }
                Profiler.measure("norm.backward") {
                    normBackward(dinp: d.residual, dweight: lg.norm1Weight, dbias: lg.norm1Bias, dout: d.norm,
                                 inp: io.input, weight: lw.norm1Weight, mean: io.norm1Mean, rstd: io.norm1Rstd, rows: N)
                }
            }
            Profiler.measure("embedding.backward") {
                acts.tokens.withUnsafeBufferPointer { tokens in
                    Embedding.backward(dTokenTable: g.tokenEmbedding, dPositionTable: g.positionEmbedding, dout: d.residual,
                                       tokens: tokens.baseAddress!, positions: positions.baseAddress!, rows: N, channels: C)
                }
            }
        }
    }

    /// Drops the saved activations (they are rebuilt by the next `forward`).
    public func releaseActivations() {
        training = nil
        trainingGradients = nil
    }
}
