import CTKDCore
import CTKDTensor

/// The buffers one transformer block reads and writes. In training every field is its own saved
/// tensor; in inference `input`, `residualMid` and `output` are the same running residual stream
/// and the norms share one buffer.
struct LayerBuffers {
    var input: UnsafeMutablePointer<Float>        // (N, C)
    var norm1: UnsafeMutablePointer<Float>        // (N, C)
    var norm1Mean: UnsafeMutablePointer<Float>    // (N)
    var norm1Rstd: UnsafeMutablePointer<Float>    // (N)
    var qkv: UnsafeMutablePointer<Float>          // (N, QKV)
    var attention: UnsafeMutablePointer<Float>    // (N, H·D)
    var residualMid: UnsafeMutablePointer<Float>  // (N, C)
    var norm2: UnsafeMutablePointer<Float>        // (N, C)
    var norm2Mean: UnsafeMutablePointer<Float>    // (N)
    var norm2Rstd: UnsafeMutablePointer<Float>    // (N)
    var fc: UnsafeMutablePointer<Float>           // (N, F)
    var activation: UnsafeMutablePointer<Float>   // (N, I)
    var output: UnsafeMutablePointer<Float>       // (N, C)
}

extension LanguageModel {
    /// Normalisation of the architecture: LayerNorm (GPT-2) or RMSNorm (Llama).
    func normForward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                     inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, rows: Int) {
        if config.usesLayerNorm {
            LayerNorm.forward(out: out, mean: mean, rstd: rstd, inp: inp, weight: weight, bias: bias!,
                              rows: rows, channels: config.dim, epsilon: config.normEpsilon)
        } else {
            RMSNorm.forward(out: out, rstd: rstd, inp: inp, weight: weight, rows: rows, channels: config.dim,
                            epsilon: config.normEpsilon)
        }
    }

    func normBackward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>?,
                      dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                      mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int) {
        if config.usesLayerNorm {
            LayerNorm.backward(dinp: dinp, dweight: dweight, dbias: dbias!, dout: dout, inp: inp, weight: weight,
                               mean: mean, rstd: rstd, rows: rows, channels: config.dim)
        } else {
            RMSNorm.backward(dinp: dinp, dweight: dweight, dout: dout, inp: inp, weight: weight, rstd: rstd,
                             rows: rows, channels: config.dim)
        }
    }

    /// One transformer block, pre-norm:
    ///   x = x + Wo · attention(rope(Wqkv · norm1(x)))
    ///   x = x + Wproj · act(Wfc · norm2(x))
    /// `attend(qkv, out)` runs the attention itself (training: per sequence with saved
    /// probabilities; inference: against the KV cache).
    func layerForward(_ w: LayerTensors, _ io: LayerBuffers, rows: Int, positions: UnsafePointer<Int32>,
                      attend: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        let c = config
        let (C, QKV, A, F, I) = (c.dim, c.qkvWidth, c.attentionWidth, c.fcWidth, c.ffnDim)
        Profiler.measure("norm.forward") {
            normForward(out: io.norm1, mean: io.norm1Mean, rstd: io.norm1Rstd, inp: io.input,
                        weight: w.norm1Weight, bias: w.norm1Bias, rows: rows)
        }
        Profiler.measure("qkv.forward") {
            Linear.forward(out: io.qkv, inp: io.norm1, weight: w.qkvWeight, bias: w.qkvBias,
                           rows: rows, inChannels: C, outChannels: QKV)
        }
        if c.usesRotaryPositions {
            Profiler.measure("rope.forward") {
                RoPE.apply(io.qkv, stride: QKV, heads: c.heads + c.kvHeads, positions: positions, rows: rows, table: rotary!)
            }
        }
        Profiler.measure("attention.forward") { attend(io.qkv, io.attention) }
        Profiler.measure("attention_output.forward") {
            if io.residualMid != io.input { io.residualMid.update(from: io.input, count: rows * C) }
            Linear.forward(out: io.residualMid, inp: io.attention, weight: w.attentionOutputWeight,
                           bias: w.attentionOutputBias, rows: rows, inChannels: A, outChannels: C, accumulate: true)
        }
        Profiler.measure("norm.forward") {
            normForward(out: io.norm2, mean: io.norm2Mean, rstd: io.norm2Rstd, inp: io.residualMid,
                        weight: w.norm2Weight, bias: w.norm2Bias, rows: rows)
        }
        Profiler.measure("fc.forward") {
            Linear.forward(out: io.fc, inp: io.norm2, weight: w.fcWeight, bias: w.fcBias,
                           rows: rows, inChannels: C, outChannels: F)
        }
        Profiler.measure("activation.forward") {
            if c.architecture == .gpt2 {
                GELU.forward(out: io.activation, inp: io.fc, count: rows * I)
            } else {
                SwiGLU.forward(out: io.activation, inp: io.fc, rows: rows, hidden: I)
            }
        }
        Profiler.measure("projection.forward") {
            if io.output != io.residualMid { io.output.update(from: io.residualMid, count: rows * C) }
            Linear.forward(out: io.output, inp: io.activation, weight: w.projectionWeight, bias: w.projectionBias,
                           rows: rows, inChannels: I, outChannels: C, accumulate: true)
        }
    }
}
