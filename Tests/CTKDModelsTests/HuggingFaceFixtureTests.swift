import Testing
import Foundation
import CTKDCore
import CTKDTensor
import CTKDTestSupport
@testable import CTKDModels

/// ctkd against transformers on the tiny GPT-2 and Llama (GQA) fixtures: logits, hidden states,
/// loss, every parameter gradient, and KV-cached greedy decoding.
@Suite struct HuggingFaceFixtureTests {
    static let kinds = ["gpt2", "llama"]

    @Test(arguments: kinds) func logitsHiddenStatesAndLossMatchTransformers(kind: String) throws {
        let fixture = try HFFixture(kind)
        let model = try LanguageModel.load(directory: fixture.directory)
        let ids = fixture.inputIds
        let (B, T) = (ids.count, ids[0].count)
        let pass = try model.forward(tokens: ids.flatMap { $0 }, batch: B, time: T)
        #expect(maxAbsDifference(pass.logits, fixture.logits) < 1e-4)

        let hidden = fixture.hiddenStates
        #expect(hidden.count == model.config.layers + 1)
        for l in 0..<model.config.layers {
            #expect(maxAbsDifference(model.residualStream(layer: l), hidden[l]) < 1e-4, "hidden state \(l)")
        }
        #expect(maxAbsDifference(pass.hidden, hidden[model.config.layers]) < 1e-4, "final hidden state")

        let targets = nextTokenTargets(ids)
        var losses = [Float](repeating: 0, count: B * T)
        CrossEntropy.forward(losses: &losses, logits: pass.logits.baseAddress!, targets: targets, rows: B * T,
                             vocabulary: model.config.vocabularySize)
        let loss = Double(losses.reduce(0, +)) / Double(B * (T - 1))
        #expect(abs(loss - fixture.loss) < 1e-4)
    }

    @Test(arguments: kinds) func gradientsMatchPyTorch(kind: String) throws {
        let fixture = try HFFixture(kind)
        let model = try LanguageModel.load(directory: fixture.directory)
        let ids = fixture.inputIds
        let (B, T) = (ids.count, ids[0].count)
        let pass = try model.forward(tokens: ids.flatMap { $0 }, batch: B, time: T)
        let targets = nextTokenTargets(ids)
        var losses = [Float](repeating: 0, count: B * T)
        CrossEntropy.forwardBackward(losses: &losses, logits: pass.logits.baseAddress!, targets: targets, rows: B * T,
                                     vocabulary: model.config.vocabularySize, gradientScale: 1 / Float(B * (T - 1)))
        model.backward(logitsGradient: pass.logits.baseAddress!)
        let expected = try SafetensorsFile(path: fixture.directory + "/gradients.safetensors")
        let ours = model.huggingFaceTensors(of: model.parameters.gradients)
        #expect(Set(ours.keys) == Set(expected.entries.keys))
        for (name, tensor) in ours {
            let reference = try expected.floats(name)
            let scale = max(reference.map(abs).max() ?? 0, 1e-3)
            let error = maxAbsDifference(tensor.values, reference) / scale
            #expect(error < 1e-4, "\(name): max error \(error) relative to the largest gradient")
        }
    }

    @Test(arguments: kinds) func cachedPrefillMatchesAndGreedyTokensAreEqual(kind: String) throws {
        let fixture = try HFFixture(kind)
        let model = try LanguageModel.load(directory: fixture.directory)
        // The inference path (segments, KV cache) gives the same logits as the training forward.
        let ids = fixture.inputIds
        let cache = KVCache(config: model.config, slots: ids.count, capacity: 32)
        let segments = ids.enumerated().map {
            InferenceSegment(slot: $0.offset, start: 0, tokens: $0.element, appendsToCache: true, outputs: .all)
        }
        let output = try model.forward(segments: segments, cache: cache)
        #expect(maxAbsDifference(output.logits, fixture.logits) < 1e-4)

        let generator = Generator(model: model, slots: 2, capacity: 32)
        let result = try generator.generate(prompts: [fixture.greedyPrompt],
                                            config: GenerationConfig(maxNewTokens: fixture.greedyTokens.count))
        #expect(result[0].tokens == fixture.greedyTokens)
        #expect(result[0].finishReason == .length)
    }

    @Test(arguments: kinds) func savedModelReloadsWithIdenticalWeights(kind: String) throws {
        let fixture = try HFFixture(kind)
        let model = try LanguageModel.load(directory: fixture.directory)
        let directory = try TestSupport.temporaryDirectory("ctkd-save")
        try model.save(directory: directory)
        let reloaded = try LanguageModel.load(directory: directory)
        #expect(reloaded.config == model.config)
        #expect(reloaded.parameters.values.toArray() == model.parameters.values.toArray())
        // The written file holds exactly the tensors transformers wrote (names and shapes).
        let original = try SafetensorsFile(path: fixture.directory + "/model.safetensors")
        let written = try SafetensorsFile(path: directory + "/model.safetensors")
        #expect(Set(written.entries.keys) == Set(original.entries.keys))
        for (name, entry) in original.entries {
            #expect(written.entries[name]?.shape == entry.shape)
            #expect(try written.floats(name) == original.floats(name))
        }
    }
}
