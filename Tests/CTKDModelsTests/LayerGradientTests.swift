import Testing
import CTKDCore
import CTKDTensor
@testable import CTKDModels

/// Every layer's backward against central differences (see `GradientCheck` for the tolerance).
/// Gradient buffers start with random values: backward must add into them, not overwrite.
@Suite struct LayerGradientTests {
    let tolerance = GradientCheck.tolerance

    /// Analytic gradient = what backward added to a random initial buffer.
    func added(_ initial: [Float], _ after: [Float]) -> [Float] { zip(after, initial).map { $0 - $1 } }

    @Test func layerNorm() {
        var rng = SeededRandom(seed: 1)
        let (N, C) = (5, 19)
        let x = FloatBuffer(GradientCheck.random(N * C, &rng, scale: 2, offset: 0.5))
        let weight = FloatBuffer(GradientCheck.random(C, &rng, scale: 0.3, offset: 1))
        let bias = FloatBuffer(GradientCheck.random(C, &rng, scale: 0.1))
        let w = GradientCheck.random(N * C, &rng)
        func run() -> Double {
            var out = [Float](repeating: 0, count: N * C), mean = [Float](repeating: 0, count: N), rstd = mean
            LayerNorm.forward(out: &out, mean: &mean, rstd: &rstd, inp: x.pointer, weight: weight.pointer, bias: bias.pointer, rows: N, channels: C, epsilon: 1e-5)
            return GradientCheck.project(out, w)
        }
        var out = [Float](repeating: 0, count: N * C), mean = [Float](repeating: 0, count: N), rstd = mean
        LayerNorm.forward(out: &out, mean: &mean, rstd: &rstd, inp: x.pointer, weight: weight.pointer, bias: bias.pointer, rows: N, channels: C, epsilon: 1e-5)
        let (dx0, dw0, db0) = (GradientCheck.random(N * C, &rng), GradientCheck.random(C, &rng), GradientCheck.random(C, &rng))
        var (dx, dw, db) = (dx0, dw0, db0)
        LayerNorm.backward(dinp: &dx, dweight: &dw, dbias: &db, dout: w, inp: x.pointer, weight: weight.pointer, mean: mean, rstd: rstd, rows: N, channels: C)
        #expect(GradientCheck.error(of: x, analytic: added(dx0, dx), label: "\(#function) x", loss: run) < tolerance)
        #expect(GradientCheck.error(of: weight, analytic: added(dw0, dw), label: "\(#function) weight", loss: run) < tolerance)
        #expect(GradientCheck.error(of: bias, analytic: added(db0, db), label: "\(#function) bias", loss: run) < tolerance)
    }

    @Test func rmsNorm() {
        var rng = SeededRandom(seed: 2)
        let (N, C) = (4, 21)
        let x = FloatBuffer(GradientCheck.random(N * C, &rng, scale: 1.5))
        let weight = FloatBuffer(GradientCheck.random(C, &rng, scale: 0.3, offset: 1))
        let w = GradientCheck.random(N * C, &rng)
        func run() -> Double {
            var out = [Float](repeating: 0, count: N * C), rstd = [Float](repeating: 0, count: N)
            RMSNorm.forward(out: &out, rstd: &rstd, inp: x.pointer, weight: weight.pointer, rows: N, channels: C, epsilon: 1e-6)
            return GradientCheck.project(out, w)
        }
        var out = [Float](repeating: 0, count: N * C), rstd = [Float](repeating: 0, count: N)
        RMSNorm.forward(out: &out, rstd: &rstd, inp: x.pointer, weight: weight.pointer, rows: N, channels: C, epsilon: 1e-6)
        let (dx0, dw0) = (GradientCheck.random(N * C, &rng), GradientCheck.random(C, &rng))
        var (dx, dw) = (dx0, dw0)
        RMSNorm.backward(dinp: &dx, dweight: &dw, dout: w, inp: x.pointer, weight: weight.pointer, rstd: rstd, rows: N, channels: C)
        #expect(GradientCheck.error(of: x, analytic: added(dx0, dx), label: "\(#function) x", loss: run) < tolerance)
        #expect(GradientCheck.error(of: weight, analytic: added(dw0, dw), label: "\(#function) weight", loss: run) < tolerance)
    }

    @Test(arguments: [1, 7]) func linear(rows N: Int) {
        var rng = SeededRandom(seed: 3)
        let (C, OC) = (13, 11)
        let x = FloatBuffer(GradientCheck.random(N * C, &rng))
        let weight = FloatBuffer(GradientCheck.random(OC * C, &rng, scale: 0.5))
        let bias = FloatBuffer(GradientCheck.random(OC, &rng, scale: 0.5))
        let w = GradientCheck.random(N * OC, &rng)
        func run() -> Double {
            var out = [Float](repeating: 0, count: N * OC)
            Linear.forward(out: &out, inp: x.pointer, weight: weight.pointer, bias: bias.pointer, rows: N, inChannels: C, outChannels: OC)
            return GradientCheck.project(out, w)
        }
        let (dx0, dw0, db0) = (GradientCheck.random(N * C, &rng), GradientCheck.random(OC * C, &rng), GradientCheck.random(OC, &rng))
        var (dx, dw, db) = (dx0, dw0, db0)
        Linear.backward(dinp: &dx, dweight: &dw, dbias: &db, dout: w, inp: x.pointer, weight: weight.pointer, rows: N, inChannels: C, outChannels: OC)
        #expect(GradientCheck.error(of: x, analytic: added(dx0, dx), label: "\(#function) x", loss: run) < tolerance)
        #expect(GradientCheck.error(of: weight, analytic: added(dw0, dw), label: "\(#function) weight", loss: run) < tolerance)
        #expect(GradientCheck.error(of: bias, analytic: added(db0, db), label: "\(#function) bias", loss: run) < tolerance)
        // accumulate: out += inp·Wᵀ + bias
        var base = GradientCheck.random(N * OC, &rng)
        let start = base
        Linear.forward(out: &base, inp: x.pointer, weight: weight.pointer, bias: bias.pointer, rows: N, inChannels: C, outChannels: OC, accumulate: true)
        var plain = [Float](repeating: 0, count: N * OC)
        Linear.forward(out: &plain, inp: x.pointer, weight: weight.pointer, bias: bias.pointer, rows: N, inChannels: C, outChannels: OC)
        #expect(maxAbsDifference(base, zip(start, plain).map { $0 + $1 }) < 1e-5)
    }

    /// Grouped-query attention (6 query heads on 2 key/value heads) and multi-head attention,
    /// over more than one query block (T = 70 > 64 rows per block).
    @Test(arguments: [(6, 2, 9), (2, 2, 70)]) func attention(heads: Int, kvHeads: Int, time T: Int) {
        var rng = SeededRandom(seed: 4)
        let shape = Attention.Shape(heads: heads, kvHeads: kvHeads, headSize: 4)
        let B = 2
        let N = B * T
        let qkv = FloatBuffer(GradientCheck.random(N * shape.qkvWidth, &rng))
        let w = GradientCheck.random(N * shape.outputWidth, &rng)
        var probabilities = [Float](repeating: 0, count: B * heads * T * T)
        func run() -> Double {
            var out = [Float](repeating: 0, count: N * shape.outputWidth)
            Attention.forward(out: &out, probabilities: &probabilities, qkv: qkv.pointer, batch: B, time: T, shape: shape)
            return GradientCheck.project(out, w)
        }
        _ = run()
        let dqkv0 = GradientCheck.random(N * shape.qkvWidth, &rng)
        var dqkv = dqkv0
        Attention.backward(dqkv: &dqkv, dout: w, qkv: qkv.pointer, probabilities: probabilities, batch: B, time: T, shape: shape)
        // Every element for the small case; a spread sample (all q, k and v columns) for T = 70.
        let count = N * shape.qkvWidth
        let indices = T > 64 ? Array(stride(from: 0, to: count, by: 7)) : nil
        #expect(GradientCheck.error(of: qkv, analytic: added(dqkv0, dqkv), indices: indices, label: "\(#function) qkv", loss: run) < tolerance)
    }

    @Test func attentionIsCausal() throws {
        // Changing a later token's keys and values leaves earlier outputs untouched.
        var rng = SeededRandom(seed: 5)
        let shape = Attention.Shape(heads: 4, kvHeads: 2, headSize: 8)
        let T = 10
        let qkv = FloatBuffer(GradientCheck.random(T * shape.qkvWidth, &rng))
        var probabilities = [Float](repeating: 0, count: 4 * T * T)
        var before = [Float](repeating: 0, count: T * shape.outputWidth)
        Attention.forward(out: &before, probabilities: &probabilities, qkv: qkv.pointer, batch: 1, time: T, shape: shape)
        for c in shape.keyOffset..<shape.qkvWidth { qkv.pointer[7 * shape.qkvWidth + c] += 1 }
        var after = before
        Attention.forward(out: &after, probabilities: &probabilities, qkv: qkv.pointer, batch: 1, time: T, shape: shape)
        #expect(Array(before[..<(7 * shape.outputWidth)]) == Array(after[..<(7 * shape.outputWidth)]))
        #expect(Array(before[(7 * shape.outputWidth)...]) != Array(after[(7 * shape.outputWidth)...]))
    }

    @Test func rope() {
        var rng = SeededRandom(seed: 6)
        let (N, heads, D) = (5, 3, 8)
        let table = RotaryTable(headSize: D, theta: 10_000, positions: 16)
        let positions: [Int32] = [0, 3, 7, 11, 15]
        let x = FloatBuffer(GradientCheck.random(N * heads * D, &rng))
        let w = GradientCheck.random(N * heads * D, &rng)
        func run() -> Double {
            var out = x.toArray()
            RoPE.apply(&out, stride: heads * D, heads: heads, positions: positions, rows: N, table: table)
            return GradientCheck.project(out, w)
        }
        // The backward pass is the inverse rotation of dout (the rotation is orthogonal).
        var dx = w
        RoPE.apply(&dx, stride: heads * D, heads: heads, positions: positions, rows: N, table: table, inverse: true)
        #expect(GradientCheck.error(of: x, analytic: dx, label: "\(#function) x", loss: run) < tolerance)
        // Position 0 is the identity; a rotation keeps each pair's norm.
        var rotated = x.toArray()
        RoPE.apply(&rotated, stride: heads * D, heads: heads, positions: positions, rows: N, table: table)
        #expect(Array(rotated[..<(heads * D)]) == Array(x.toArray()[..<(heads * D)]))
    }

    @Test func gelu() {
        var rng = SeededRandom(seed: 7)
        let count = 37
        let x = FloatBuffer(GradientCheck.random(count, &rng, scale: 3))
        let w = GradientCheck.random(count, &rng)
        func run() -> Double {
            var out = [Float](repeating: 0, count: count)
            GELU.forward(out: &out, inp: x.pointer, count: count)
            return GradientCheck.project(out, w)
        }
        let dx0 = GradientCheck.random(count, &rng)
        var dx = dx0
        GELU.backward(dinp: &dx, inp: x.pointer, dout: w, count: count)
        #expect(GradientCheck.error(of: x, analytic: added(dx0, dx), label: "\(#function) x", loss: run) < tolerance)
        // Reference values of the tanh approximation (PyTorch gelu(approximate="tanh")).
        var out = [Float](repeating: 0, count: 3)
        GELU.forward(out: &out, inp: [-1, 0.5, 2], count: 3)
        #expect(maxAbsDifference(out, [-0.158_808, 0.345_714, 1.954_598]) < 1e-5)
    }

    @Test func swiglu() {
        var rng = SeededRandom(seed: 8)
        let (N, I) = (3, 11)
        let x = FloatBuffer(GradientCheck.random(N * 2 * I, &rng, scale: 2))
        let w = GradientCheck.random(N * I, &rng)
        func run() -> Double {
            var out = [Float](repeating: 0, count: N * I)
            SwiGLU.forward(out: &out, inp: x.pointer, rows: N, hidden: I)
            return GradientCheck.project(out, w)
        }
        let dx0 = GradientCheck.random(N * 2 * I, &rng)
        var dx = dx0
        SwiGLU.backward(dinp: &dx, inp: x.pointer, dout: w, rows: N, hidden: I)
        #expect(GradientCheck.error(of: x, analytic: added(dx0, dx), label: "\(#function) x", loss: run) < tolerance)
    }

    @Test func embedding() {
        var rng = SeededRandom(seed: 9)
        let (V, C, maxT) = (7, 10, 6)
        let tokens: [Int32] = [3, 1, 3, 6, 0, 3]
        let positions: [Int32] = [0, 1, 2, 0, 1, 2]
        let N = tokens.count
        let table = FloatBuffer(GradientCheck.random(V * C, &rng))
        let positionTable = FloatBuffer(GradientCheck.random(maxT * C, &rng))
        let w = GradientCheck.random(N * C, &rng)
        func run() -> Double {
            var out = [Float](repeating: 0, count: N * C)
            Embedding.forward(out: &out, tokens: tokens, positions: positions, tokenTable: table.pointer, positionTable: positionTable.pointer, rows: N, channels: C)
            return GradientCheck.project(out, w)
        }
        let (dt0, dp0) = (GradientCheck.random(V * C, &rng), GradientCheck.random(maxT * C, &rng))
        var (dt, dp) = (dt0, dp0)
        Embedding.backward(dTokenTable: &dt, dPositionTable: &dp, dout: w, tokens: tokens, positions: positions, rows: N, channels: C)
        #expect(GradientCheck.error(of: table, analytic: added(dt0, dt), label: "\(#function) table", loss: run) < tolerance)
        #expect(GradientCheck.error(of: positionTable, analytic: added(dp0, dp), label: "\(#function) positionTable", loss: run) < tolerance)
    }

    @Test func crossEntropy() {
        var rng = SeededRandom(seed: 10)
        let (N, V) = (4, 29)
        let logits = FloatBuffer(GradientCheck.random(N * V, &rng, scale: 3))
        let targets: [Int32] = [5, CrossEntropy.ignoredTarget, 28, 0]
        func run() -> Double {
            var losses = [Float](repeating: 0, count: N)
            CrossEntropy.forward(losses: &losses, logits: logits.pointer, targets: targets, rows: N, vocabulary: V)
            return losses.reduce(0.0) { $0 + Double($1) } / 3
        }
        var gradient = logits.toArray()
        var losses = [Float](repeating: 0, count: N)
        CrossEntropy.forwardBackward(losses: &losses, logits: &gradient, targets: targets, rows: N, vocabulary: V, gradientScale: 1.0 / 3)
        #expect(abs(losses.reduce(0.0) { $0 + Double($1) } / 3 - run()) < 1e-6)
        #expect(losses[1] == 0 && gradient[V..<(2 * V)].allSatisfy { $0 == 0 })
        #expect(GradientCheck.error(of: logits, analytic: gradient, label: "\(#function) logits", loss: run) < tolerance)
    }
}
