import Testing
import CTKDCore
import CTKDTensor
@testable import CTKDModels

/// Whole tiny models of both architectures against central differences: the loss is the mean
/// next-token cross-entropy plus Σ u·hidden (an extra gradient on the final hidden state, as the
/// byte-decoder head supplies), with right padding masked out of the loss.
@Suite struct ModelGradientTests {
    static let configs: [ModelConfig] = [
        ModelConfig(architecture: .gpt2, vocabularySize: 23, contextLength: 8, layers: 2, dim: 16, heads: 4),
        ModelConfig(architecture: .llama, vocabularySize: 23, contextLength: 8, layers: 2, dim: 16, heads: 4, kvHeads: 2,
                    ffnDim: 24, tiedEmbeddings: false),
        ModelConfig(architecture: .llama, vocabularySize: 23, contextLength: 8, layers: 1, dim: 16, heads: 2, kvHeads: 1,
                    ffnDim: 24, tiedEmbeddings: true, attentionBias: true, mlpBias: true),
    ]

    @Test(arguments: configs) func wholeModelGradients(config: ModelConfig) throws {
        let model = try LanguageModel(config: config, seed: 11)
        // Norm weights and biases away from 1 and 0, so their gradients are exercised generally.
        var rng = SeededRandom(seed: 12)
        for tensor in model.parameters.tensors where !tensor.decays {
            let view = model.parameters.values.view(tensor.offset, tensor.count)
            for i in view.indices { view[i] += 0.1 * Float(rng.nextGaussian()) }
        }
        let (B, T) = (2, 6)
        let tokens: [Int32] = (0..<(B * T)).map { _ in Int32(rng.nextInt(below: config.vocabularySize)) }
        var targets = (0..<(B * T)).map { i in i % T == T - 1 ? CrossEntropy.ignoredTarget : tokens[i + 1] }
        targets[T + 3] = CrossEntropy.ignoredTarget  // padding positions of the second row
        targets[T + 4] = CrossEntropy.ignoredTarget
        let counted = targets.filter { $0 >= 0 }.count
        let u = GradientCheck.random(B * T * config.dim, &rng, scale: 0.1)

        func loss() -> Double {
            let pass = try! model.forward(tokens: tokens, batch: B, time: T)
            var losses = [Float](repeating: 0, count: B * T)
            CrossEntropy.forward(losses: &losses, logits: pass.logits.baseAddress!, targets: targets, rows: B * T,
                                 vocabulary: config.vocabularySize)
            return losses.reduce(0.0) { $0 + Double($1) } / Double(counted) + GradientCheck.project(Array(pass.hidden), u)
        }
        let pass = try model.forward(tokens: tokens, batch: B, time: T)
        var losses = [Float](repeating: 0, count: B * T)
        CrossEntropy.forwardBackward(losses: &losses, logits: pass.logits.baseAddress!, targets: targets, rows: B * T,
                                     vocabulary: config.vocabularySize, gradientScale: 1 / Float(counted))
        model.parameters.zeroGradients()
        model.backward(logitsGradient: pass.logits.baseAddress!, hiddenGradient: u)
        let analytic = model.parameters.gradients.toArray()
        for tensor in model.parameters.tensors {
            let indices = (0..<min(tensor.count, 40)).map { _ in tensor.offset + rng.nextInt(below: tensor.count) }
            let error = GradientCheck.error(of: model.parameters.values, analytic: analytic, indices: indices,
                                            epsilon: 3e-2, label: "\(config.architecture) \(tensor.name)", loss: loss)
            #expect(error < GradientCheck.tolerance, "\(config.architecture) \(tensor.name): \(error)")
        }
    }

    @Test func gradientsAccumulateAcrossBackwardCalls() throws {
        let config = Self.configs[1]
        let model = try LanguageModel(config: config, seed: 3)
        let tokens: [Int32] = [1, 2, 3, 4, 5, 6, 7, 8]
        func step() throws {
            let pass = try model.forward(tokens: tokens, batch: 2, time: 4)
            var losses = [Float](repeating: 0, count: 8)
            CrossEntropy.forwardBackward(losses: &losses, logits: pass.logits.baseAddress!, targets: tokens, rows: 8,
                                         vocabulary: config.vocabularySize, gradientScale: 1)
            model.backward(logitsGradient: pass.logits.baseAddress!)
        }
        model.parameters.zeroGradients()
        try step()
        let once = model.parameters.gradients.toArray()
        try step()
        let twice = model.parameters.gradients.toArray()
        #expect(maxAbsDifference(twice, once.map { 2 * $0 }) < 1e-5)
    }
}
