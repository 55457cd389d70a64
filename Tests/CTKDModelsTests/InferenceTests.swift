import Testing
import CTKDCore
import CTKDTensor
import CTKDTestSupport
@testable import CTKDModels

/// KV-cached inference against full recomputation: chunked prefill, batched decoding of prompts
/// of different lengths, branching off a shared prefix, sampling.
@Suite struct InferenceTests {
    static let configs: [ModelConfig] = [
        ModelConfig(architecture: .gpt2, vocabularySize: 61, contextLength: 64, layers: 2, dim: 32, heads: 4),
        ModelConfig(architecture: .llama, vocabularySize: 61, contextLength: 64, layers: 2, dim: 48, heads: 6, kvHeads: 2,
                    ffnDim: 64, tiedEmbeddings: false),
    ]

    /// Logits of the last position of `tokens`, computed from scratch by the training forward.
    func reference(_ model: LanguageModel, _ tokens: [Int32]) throws -> [Float] {
        let pass = try model.forward(tokens: tokens, batch: 1, time: tokens.count)
        let V = model.config.vocabularySize
        return Array(pass.logits[((tokens.count - 1) * V)..<(tokens.count * V)])
    }

    func randomTokens(_ count: Int, _ random: inout SeededRandom, vocabulary: Int = 61) -> [Int32] {
        (0..<count).map { _ in Int32(random.nextInt(below: vocabulary)) }
    }

    @Test(arguments: configs) func chunkedPrefillAndDecodingMatchRecomputation(config: ModelConfig) throws {
        let model = try LanguageModel(config: config, seed: 5)
        var random = SeededRandom(seed: 6)
        let tokens = randomTokens(20, &random)
        let cache = KVCache(config: config, slots: 3, capacity: 32)
        // 20 tokens into slot 2 as chunks of 7, 1 and 12 tokens, then decode 3 more one by one.
        var start = 0
        for count in [7, 1, 12] {
            let output = try model.forward(segments: [InferenceSegment(slot: 2, start: start, tokens: Array(tokens[start..<(start + count)]),
                                                                       appendsToCache: true, outputs: .last)], cache: cache)
            start += count
            #expect(maxAbsDifference(output.row(0), try reference(model, Array(tokens[..<start]))) < 1e-4)
        }
        #expect(cache.lengths == [0, 0, 20])
        var sequence = tokens
        for next in randomTokens(3, &random) {
            sequence.append(next)
            let output = try model.forward(segments: [InferenceSegment(slot: 2, start: cache.lengths[2], tokens: [next],
                                                                       appendsToCache: true, outputs: .last)], cache: cache)
            #expect(maxAbsDifference(output.row(0), try reference(model, sequence)) < 1e-4)
        }
    }

    @Test(arguments: configs) func branchesAttendToTheSharedPrefixWithoutChangingIt(config: ModelConfig) throws {
        let model = try LanguageModel(config: config, seed: 7)
        var random = SeededRandom(seed: 8)
        let sequences = [randomTokens(17, &random), randomTokens(9, &random)]
        let cache = KVCache(config: config, slots: 2, capacity: 24)
        let prefill = try model.prefillLogProbs(sequences, slots: [0, 1], cache: cache)
        // Full log-softmax rows: position 5 of sequence 1 against recomputation.
        var expected = try reference(model, Array(sequences[1][...5]))
        expected.withUnsafeMutableBufferPointer { Softmax.logRow($0.baseAddress!, $0.baseAddress!, count: $0.count) }
        #expect(maxAbsDifference(prefill.row(prefill.rows[1].lowerBound + 5), expected) < 1e-4)

        let requests = [
            SlotBranch(slot: 0, prefixLength: 4, tokens: [3]),
            SlotBranch(slot: 0, prefixLength: 4, tokens: [3, 9, 1]),
            SlotBranch(slot: 0, prefixLength: 17, tokens: [60, 2]),
            SlotBranch(slot: 1, prefixLength: 0, tokens: [5, 6]),
            SlotBranch(slot: 1, prefixLength: 9, tokens: [11]),
        ]
        let output = try model.branchLogProbs(requests, cache: cache)
        for (index, request) in requests.enumerated() {
            var want = try reference(model, Array(sequences[request.slot][..<request.prefixLength]) + request.tokens)
            want.withUnsafeMutableBufferPointer { Softmax.logRow($0.baseAddress!, $0.baseAddress!, count: $0.count) }
            #expect(maxAbsDifference(output.row(index), want) < 1e-4, "request \(index)")
        }
        #expect(cache.lengths == [17, 9])
        // The cache still decodes the original sequences.
        let next = try model.forward(segments: [InferenceSegment(slot: 0, start: 17, tokens: [4], appendsToCache: true, outputs: .last)],
                                     cache: cache)
        #expect(maxAbsDifference(next.row(0), try reference(model, sequences[0] + [4])) < 1e-4)
    }

    @Test func invalidSegmentsAreRejected() throws {
        let config = Self.configs[1]
        let model = try LanguageModel(config: config, seed: 1)
        let cache = KVCache(config: config, slots: 2, capacity: 8)
        #expect(throws: CTKDError.self) {
            try model.forward(segments: [InferenceSegment(slot: 0, start: 3, tokens: [1], appendsToCache: true, outputs: .last)], cache: cache)
        }
        #expect(throws: CTKDError.self) {
            try model.forward(segments: [InferenceSegment(slot: 0, start: 0, tokens: [61], appendsToCache: true, outputs: .last)], cache: cache)
        }
        #expect(throws: CTKDError.self) {
            try model.forward(segments: [InferenceSegment(slot: 1, start: 0, tokens: Array(repeating: 1, count: 9),
                                                          appendsToCache: true, outputs: .last)], cache: cache)
        }
    }

    @Test(arguments: configs) func batchedGenerationEqualsOnePromptAtATime(config: ModelConfig) throws {
        let model = try LanguageModel(config: config, seed: 9)
        var random = SeededRandom(seed: 10)
        let prompts = [3, 11, 1, 7, 5].map { randomTokens($0, &random) }
        let settings = GenerationConfig(maxNewTokens: 6, sampling: SamplingConfig(temperature: 0.9, topK: 20), seed: 4)
        // Two slots, prefill chunks of 4 tokens: prompts queue, chunk, and join decoding mid-way.
        let batched = try Generator(model: model, slots: 2, capacity: 32, prefillTokensPerStep: 4).generate(prompts: prompts, config: settings)
        for (index, prompt) in prompts.enumerated() {
            // Alone, prompt `index` needs seed offset `index`: generate [dummy…, prompt] and keep the last.
            let alone = try Generator(model: model, slots: 1, capacity: 32)
                .generate(prompts: Array(repeating: prompt, count: index + 1), config: settings).last!
            #expect(alone.tokens == batched[index].tokens)
            #expect(maxAbsDifference(alone.logProbs, batched[index].logProbs) < 1e-4)
        }
        // Greedy tokens equal the argmax of recomputed logits.
        let greedy = try Generator(model: model, slots: 3, capacity: 32).generate(prompts: prompts, config: GenerationConfig(maxNewTokens: 4))
        for (prompt, result) in zip(prompts, greedy) {
            var sequence = prompt
            for token in result.tokens {
                let logits = try reference(model, sequence)
                #expect(token == Int32(Sampler.argmax(logits, count: logits.count)))
                sequence.append(token)
            }
        }
    }

    @Test func stopTokensAndStopSequencesEndSequencesEarly() throws {
        let config = Self.configs[0]
        let model = try LanguageModel(config: config, seed: 11)
        let prompt: [Int32] = [1, 2, 3]
        let free = try Generator(model: model, slots: 1, capacity: 40).generate(prompts: [prompt], config: GenerationConfig(maxNewTokens: 12))[0]
        #expect(free.tokens.count == 12 && free.finishReason == .length)
        let stopToken = free.tokens[4]
        let firstStop = free.tokens.firstIndex(of: stopToken)!
        let stopped = try Generator(model: model, slots: 1, capacity: 40)
            .generate(prompts: [prompt, prompt], config: GenerationConfig(maxNewTokens: 12, stopTokens: [stopToken]))
        #expect(stopped[0].tokens == Array(free.tokens[..<firstStop]) && stopped[0].finishReason == .stopToken)
        #expect(stopped[1] == stopped[0])
        let sequence = Array(free.tokens[6...7])
        let bySequence = try Generator(model: model, slots: 2, capacity: 40)
            .generate(prompts: [prompt], config: GenerationConfig(maxNewTokens: 12, stopSequences: [sequence]))[0]
        #expect(bySequence.finishReason == .stopSequence)
        #expect(bySequence.tokens + sequence == Array(free.tokens[..<(bySequence.tokens.count + 2)]))
        // A full cache ends a sequence too.
        let short = try Generator(model: model, slots: 1, capacity: 6).generate(prompts: [prompt], config: GenerationConfig(maxNewTokens: 12))[0]
        #expect(short.tokens.count == 4 && short.finishReason == .length)
    }

    @Test func samplerRespectsTopKTopPAndSeeds() {
        let logits: [Float] = [0.1, 2.0, -1.0, 1.5, 0.3, 1.9, -3.0, 0.0]
        var random = SeededRandom(seed: 1)
        // top-k 1 and a tiny top-p are greedy; greedy reports the log-softmax of the argmax.
        #expect(Sampler.sample(logits, vocabulary: 8, config: SamplingConfig(temperature: 1, topK: 1), random: &random).token == 1)
        #expect(Sampler.sample(logits, vocabulary: 8, config: SamplingConfig(temperature: 1, topP: 1e-4), random: &random).token == 1)
        let greedy = Sampler.sample(logits, vocabulary: 8, config: .greedy, random: &random)
        #expect(abs(Double(greedy.logProb) - (2.0 - log(logits.map { exp(Double($0)) }.reduce(0, +)))) < 1e-5)
        // top-k 3 draws only {1, 5, 3}; top-p 0.6 only the nucleus {1, 5} (p ≈ .30 + .27 + …).
        var counts = [Int](repeating: 0, count: 8)
        for _ in 0..<2000 { counts[Int(Sampler.sample(logits, vocabulary: 8, config: SamplingConfig(temperature: 1, topK: 3), random: &random).token)] += 1 }
        #expect(counts.enumerated().allSatisfy { [1, 5, 3].contains($0.offset) || $0.element == 0 })
        #expect(counts[1] > counts[5] && counts[5] > counts[3] && counts[3] > 0)
        counts = [Int](repeating: 0, count: 8)
        for _ in 0..<2000 { counts[Int(Sampler.sample(logits, vocabulary: 8, config: SamplingConfig(temperature: 1, topP: 0.55), random: &random).token)] += 1 }
        #expect(counts.enumerated().allSatisfy { [1, 5].contains($0.offset) == ($0.element > 0) })
        // Frequencies follow softmax(logits / T) at T = 1: token 1 has probability ≈ 0.296.
        counts = [Int](repeating: 0, count: 8)
        for _ in 0..<20000 { counts[Int(Sampler.sample(logits, vocabulary: 8, config: SamplingConfig(temperature: 1), random: &random).token)] += 1 }
        let p1 = exp(2.0) / logits.map { exp(Double($0)) }.reduce(0, +)
        #expect(abs(Double(counts[1]) / 20000 - p1) < 0.015)
        // The same seed draws the same tokens.
        var a = SeededRandom(seed: 3), b = SeededRandom(seed: 3)
        let config = SamplingConfig(temperature: 0.7, topK: 5, topP: 0.9)
        #expect((0..<50).map { _ in Sampler.sample(logits, vocabulary: 8, config: config, random: &a).token }
                == (0..<50).map { _ in Sampler.sample(logits, vocabulary: 8, config: config, random: &b).token })
    }
}

import Foundation
