import CTKDCore
import CTKDTensor

/// "The first `prefixLength` tokens of the sequence in cache slot `slot`, then `tokens`": a
/// continuation evaluated against a shared prefilled prefix without copying or changing it.
public struct SlotBranch: Sendable, Equatable {
    public var slot: Int
    public var prefixLength: Int
    public var tokens: [Int32]

    public init(slot: Int, prefixLength: Int, tokens: [Int32]) {
        self.slot = slot
        self.prefixLength = prefixLength
        self.tokens = tokens
    }
}

extension LanguageModel {
    /// Prefills each sequence into its cache slot (replacing what the slot held) and returns the
    /// log-softmax rows of every position: row `output.rows[i]` of sequence i predicts the token
    /// after each of its positions. The teacher stage's top-k targets and samples come from these.
    ///
    ///     let cache = KVCache(config: teacher.config, slots: 8, capacity: 1024)
    ///     let output = try teacher.prefillLogProbs([ids0, ids1], slots: [0, 1], cache: cache)
    ///     let row = output.row(output.rows[1].lowerBound + 5)   // log p(· | ids1[0...5])
    public func prefillLogProbs(_ sequences: [[Int32]], slots: [Int], cache: KVCache) throws -> InferenceOutput {
        precondition(sequences.count == slots.count, "one slot per sequence")
        let segments = zip(sequences, slots).map {
            InferenceSegment(slot: $0.1, start: 0, tokens: $0.0, appendsToCache: true, outputs: .all)
        }
        let output = try forward(segments: segments, cache: cache)
        output.convertToLogProbs()
        return output
    }

    /// The next-token log-softmax row after each request's last token, for all requests in one
    /// forward. Each request's tokens attend to the first `prefixLength` cached tokens of its slot
    /// (read in place) and to each other causally; the cache is left unchanged.
    ///
    /// Cost model, per layer: the projections and the MLP run once over Σ tokens of all requests
    /// (as one batched decoding step would); attention reads each request's prefix keys and values
    /// once per key/value head, i.e. O(prefixLength · K · D) memory traffic per request, shared by
    /// the H/K query heads of a group; the lm_head runs once per request. Requests for the
    /// distribution right after the prefix itself (no extra tokens) are rows of `prefillLogProbs`.
    public func branchLogProbs(_ requests: [SlotBranch], cache: KVCache) throws -> InferenceOutput {
        let segments = requests.map {
            InferenceSegment(slot: $0.slot, start: $0.prefixLength, tokens: $0.tokens, appendsToCache: false, outputs: .last)
        }
        let output = try forward(segments: segments, cache: cache)
        output.convertToLogProbs()
        return output
    }
}
