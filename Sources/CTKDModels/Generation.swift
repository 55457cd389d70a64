import CTKDCore
import CTKDTensor

/// What to generate and when to stop.
public struct GenerationConfig: Sendable {
    public var maxNewTokens: Int
    public var sampling: SamplingConfig
    /// Seeds each prompt's own random stream (`seed` and the prompt's index), so a prompt's
    /// sample does not depend on which other prompts share its batch.
    public var seed: UInt64
    /// Tokens that end a sequence (the model's EOS); not included in the result.
    public var stopTokens: Set<Int32>
    /// Token sequences that end a sequence; not included in the result.
    public var stopSequences: [[Int32]]

    public init(maxNewTokens: Int = 64, sampling: SamplingConfig = .greedy, seed: UInt64 = 0,
                stopTokens: Set<Int32> = [], stopSequences: [[Int32]] = []) {
        self.maxNewTokens = maxNewTokens
        self.sampling = sampling
        self.seed = seed
        self.stopTokens = stopTokens
        self.stopSequences = stopSequences.filter { !$0.isEmpty }
    }
}

public struct GenerationResult: Sendable, Equatable {
    public enum FinishReason: String, Sendable, Codable { case stopToken = "stop_token", stopSequence = "stop_sequence", length }

    /// Generated tokens, without the stop token or stop sequence that ended them.
    public var tokens: [Int32]
    /// log p(token | everything before) under the model, one per token in `tokens`.
    public var logProbs: [Float]
    public var finishReason: FinishReason
}

/// Batched generation with a KV cache: prompts of any lengths share `slots` cache slots; each
/// step runs one forward over the decoding tokens of every active sequence plus (chunked)
/// prefills of newly admitted prompts; a finished sequence frees its slot for the next prompt at
/// once (per-sequence early exit).
///
///     let generator = Generator(model: model, slots: 8, capacity: 512)
///     let results = try generator.generate(prompts: [[1, 2, 3], [4, 5]],
///                                          config: GenerationConfig(maxNewTokens: 32, stopTokens: [2]))
public final class Generator {
    public let model: LanguageModel
    public let cache: KVCache
    /// Upper bound on prompt tokens prefilled per step (bounds the activation memory).
    public var prefillTokensPerStep: Int

    public init(model: LanguageModel, slots: Int = 8, capacity: Int? = nil, prefillTokensPerStep: Int = 1024) {
        self.model = model
        let limit = model.config.usesLearnedPositions ? model.config.contextLength : Int.max
        cache = KVCache(config: model.config, slots: slots, capacity: min(capacity ?? model.config.contextLength, limit))
        self.prefillTokensPerStep = max(1, prefillTokensPerStep)
    }

    private struct Sequence {
        let prompt: Int
        var prefilled: Int
        var result = GenerationResult(tokens: [], logProbs: [], finishReason: .length)
        var random: SeededRandom
    }

    /// Generates a continuation for every prompt; `progress(finishedCount)` is called as they finish.
    public func generate(prompts: [[Int32]], config: GenerationConfig,
                         progress: ((Int) -> Void)? = nil) throws -> [GenerationResult] {
        for (index, prompt) in prompts.enumerated() {
            guard !prompt.isEmpty else { throw CTKDError("prompt \(index) is empty") }
            guard prompt.count < cache.capacity else {
                throw CTKDError("prompt \(index) has \(prompt.count) tokens; the cache holds \(cache.capacity)")
            }
        }
        var results = [GenerationResult?](repeating: nil, count: prompts.count)
        var slots = [Sequence?](repeating: nil, count: cache.slots)
        var next = 0, finished = 0
        let base = SeededRandom(seed: config.seed)
        if config.maxNewTokens <= 0 {
            return prompts.map { _ in GenerationResult(tokens: [], logProbs: [], finishReason: .length) }
        }
        while finished < prompts.count {
            for slot in 0..<cache.slots where slots[slot] == nil && next < prompts.count {
                cache.reset(slot: slot)
                slots[slot] = Sequence(prompt: next, prefilled: 0, random: base.derived(UInt64(next)))
                next += 1
            }
            // One decoding token per sequence whose prompt is in, prompt chunks within the budget.
            var segments = [InferenceSegment](), owners = [Int]()
            var budget = prefillTokensPerStep
            for slot in 0..<cache.slots {
                guard let sequence = slots[slot] else { continue }
                let prompt = prompts[sequence.prompt]
                if sequence.prefilled < prompt.count {
                    guard budget > 0 else { continue }
                    let count = min(prompt.count - sequence.prefilled, budget)
                    budget -= count
                    let done = sequence.prefilled + count == prompt.count
                    segments.append(InferenceSegment(slot: slot, start: sequence.prefilled,
                                                     tokens: Array(prompt[sequence.prefilled..<(sequence.prefilled + count)]),
                                                     appendsToCache: true, outputs: done ? .last : .none))
                    slots[slot]!.prefilled += count
                } else {
                    segments.append(InferenceSegment(slot: slot, start: cache.lengths[slot], tokens: [sequence.result.tokens.last!],
                                                     appendsToCache: true, outputs: .last))
                }
                owners.append(slot)
            }
            let output = try model.forward(segments: segments, cache: cache)
            for (index, slot) in owners.enumerated() {
                guard let row = output.rows[index].first else { continue }
                var sequence = slots[slot]!
                let (token, logProb) = Sampler.sample(output.row(row).baseAddress!, vocabulary: output.vocabularySize,
                                                      config: config.sampling, random: &sequence.random)
                sequence.result.tokens.append(token)
                sequence.result.logProbs.append(logProb)
                if let reason = stopReason(&sequence.result, config: config, length: cache.lengths[slot]) {
                    sequence.result.finishReason = reason
                    results[sequence.prompt] = sequence.result
                    slots[slot] = nil
                    finished += 1
                    progress?(finished)
                } else {
                    slots[slot] = sequence
                }
            }
        }
        return results.map { $0! }
    }

    /// Ends a sequence on a stop token, a stop sequence (both removed from the result), the token
    /// limit, or a full cache slot.
    private func stopReason(_ result: inout GenerationResult, config: GenerationConfig, length: Int) -> GenerationResult.FinishReason? {
        if config.stopTokens.contains(result.tokens.last!) {
            result.tokens.removeLast()
            result.logProbs.removeLast()
            return .stopToken
        }
        for stop in config.stopSequences where result.tokens.count >= stop.count && result.tokens.suffix(stop.count).elementsEqual(stop) {
            result.tokens.removeLast(stop.count)
            result.logProbs.removeLast(stop.count)
            return .stopSequence
        }
        if result.tokens.count >= config.maxNewTokens || length >= cache.capacity { return .length }
        return nil
    }
}
