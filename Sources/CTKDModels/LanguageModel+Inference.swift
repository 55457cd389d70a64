import CTKDCore
import CTKDTensor

/// A run of consecutive tokens of one sequence for `LanguageModel.forward(segments:cache:)`.
///
/// Token i of the segment sits at position `start + i`; it attends to the first `start` tokens
/// held in the cache slot and to the segment's tokens 0...i. Prefill, decoding and branching are
/// all segments:
/// - prefill: `start: 0`, the prompt, `appendsToCache: true`;
/// - one decoding step: `start: cache.lengths[slot]`, the last sampled token, `appendsToCache: true`;
/// - a branch: `start: j` (any j up to the slot's length), a few tokens, `appendsToCache: false`:
///   the tokens see the shared prefix without copying it and leave the cache unchanged.
public struct InferenceSegment: Sendable {
    public enum Outputs: Sendable { case none, last, all }

    public var slot: Int
    public var start: Int
    public var tokens: [Int32]
    public var appendsToCache: Bool
    public var outputs: Outputs

    public init(slot: Int, start: Int, tokens: [Int32], appendsToCache: Bool, outputs: Outputs) {
        self.slot = slot
        self.start = start
        self.tokens = tokens
        self.appendsToCache = appendsToCache
        self.outputs = outputs
    }

    var outputCount: Int {
        switch outputs { case .none: 0; case .last: 1; case .all: tokens.count }
    }
}

/// Logits of the rows that segments asked for, valid until the model's next inference call.
public struct InferenceOutput {
    /// (R, V), rows in segment order.
    public let logits: UnsafeMutableBufferPointer<Float>
    /// (R, C): the final hidden state of the same rows.
    public let hidden: UnsafeMutableBufferPointer<Float>
    /// The rows of each segment (empty for `.none`).
    public let rows: [Range<Int>]
    public let vocabularySize: Int

    /// Row `r` of the logits.
    public func row(_ r: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(rebasing: logits[(r * vocabularySize)..<((r + 1) * vocabularySize)])
    }

    /// Replaces every row by its log-softmax, in parallel.
    public func convertToLogProbs() {
        let count = logits.count / max(vocabularySize, 1)
        let base = UncheckedPointer(logits.baseAddress!)
        let vocabulary = vocabularySize
        Parallel.forEachChunk(count, minimumChunk: 4) { range in
            for r in range {
                let row = base.pointer + r * vocabulary
                Softmax.logRow(row, row, count: vocabulary)
            }
        }
    }
}

/// Scratch buffers for inference over up to `tokens` tokens and `outputs` output rows.
final class InferenceWorkspace {
    let tokens: Int, outputs: Int
    let buffer: FloatBuffer
    let x, norm, mean, rstd, qkv, attention, fc, activation, hidden, logits: UnsafeMutablePointer<Float>

    init(config c: ModelConfig, tokens N: Int, outputs R: Int) {
        var layout = ArenaLayout()
        let o = [N * c.dim, N * c.dim, N, N, N * c.qkvWidth, N * c.attentionWidth, N * c.fcWidth, N * c.ffnDim,
                 R * c.dim, R * c.vocabularySize].map { layout.reserve($0) }
        buffer = FloatBuffer(count: layout.count)
        let p = buffer.pointer
        (x, norm, mean, rstd, qkv) = (p + o[0], p + o[1], p + o[2], p + o[3], p + o[4])
        (attention, fc, activation, hidden, logits) = (p + o[5], p + o[6], p + o[7], p + o[8], p + o[9])
        tokens = N
        outputs = R
    }
}

extension LanguageModel {
    /// Runs the segments through the model in one batch: every GEMM covers all their tokens,
    /// attention runs per (segment, key/value head) in parallel against the cache.
    ///
    /// Cost: the projections and MLP cost what a forward over Σ tokens costs; attention for a
    /// segment reads `start` cached keys and values once per layer and key/value head (shared by
    /// the query heads of a group); the lm_head runs only on the requested output rows.
    public func forward(segments: [InferenceSegment], cache: KVCache) throws -> InferenceOutput {
        try validate(segments, cache: cache)
        let c = config
        var tokens = [Int32](), positions = [Int32](), rowStarts = [Int]()
        var outputRows = [Range<Int>](), outputSources = [Int]()
        for segment in segments {
            rowStarts.append(tokens.count)
            let first = outputSources.count
            switch segment.outputs {
            case .none: break
            case .last: outputSources.append(tokens.count + segment.tokens.count - 1)
            case .all: outputSources += (tokens.count..<(tokens.count + segment.tokens.count))
            }
            outputRows.append(first..<outputSources.count)
            tokens += segment.tokens
            positions += (0..<segment.tokens.count).map { Int32(segment.start + $0) }
        }
        let N = tokens.count, R = outputSources.count
        try tokens.withUnsafeBufferPointer { try checkInputs($0, maximumPosition: Int(positions.max() ?? 0)) }
        if workspace == nil || workspace!.tokens < N || workspace!.outputs < R {
            let (oldTokens, oldOutputs) = (workspace?.tokens ?? 0, workspace?.outputs ?? 0)
            workspace = nil
            workspace = InferenceWorkspace(config: c, tokens: max(N, oldTokens), outputs: max(R, oldOutputs, 1))
        }
        let ws = workspace!
        let w = values
        let io = LayerBuffers(input: ws.x, norm1: ws.norm, norm1Mean: ws.mean, norm1Rstd: ws.rstd, qkv: ws.qkv,
                              attention: ws.attention, residualMid: ws.x, norm2: ws.norm, norm2Mean: ws.mean,
                              norm2Rstd: ws.rstd, fc: ws.fc, activation: ws.activation, output: ws.x)
        positions.withUnsafeBufferPointer { positions in
            tokens.withUnsafeBufferPointer { tokens in
                Embedding.forward(out: ws.x, tokens: tokens.baseAddress!, positions: positions.baseAddress!,
                                  tokenTable: w.tokenEmbedding, positionTable: w.positionEmbedding, rows: N, channels: c.dim)
            }
            for l in 0..<c.layers {
                layerForward(w.layer(l), io, rows: N, positions: positions.baseAddress!) { qkv, out in
                    attend(layer: l, segments: segments, rowStarts: rowStarts, qkv: qkv, out: out, cache: cache)
                }
            }
        }
        for segment in segments where segment.appendsToCache {
            cache.lengths[segment.slot] = segment.start + segment.tokens.count
        }
        for (r, source) in outputSources.enumerated() {
            (ws.hidden + r * c.dim).update(from: ws.x + source * c.dim, count: c.dim)
        }
        normForward(out: ws.hidden, mean: ws.mean, rstd: ws.rstd, inp: ws.hidden, weight: w.finalNormWeight,
                    bias: w.finalNormBias, rows: R)
        Profiler.measure("lm_head.forward") {
            Linear.forward(out: ws.logits, inp: ws.hidden, weight: w.lmHead, bias: nil, rows: R,
                           inChannels: c.dim, outChannels: c.vocabularySize)
        }
        return InferenceOutput(logits: UnsafeMutableBufferPointer(start: ws.logits, count: R * c.vocabularySize),
                               hidden: UnsafeMutableBufferPointer(start: ws.hidden, count: R * c.dim),
                               rows: outputRows, vocabularySize: c.vocabularySize)
    }

    private func validate(_ segments: [InferenceSegment], cache: KVCache) throws {
        guard cache.layers == config.layers, cache.kvHeads == config.kvHeads, cache.headSize == config.headSize else {
            throw CTKDError("the KV cache was made for a different model shape")
        }
        var appendStart = [Int: Int]()
        for (index, segment) in segments.enumerated() {
            guard (0..<cache.slots).contains(segment.slot) else {
                throw CTKDError("segment \(index): slot \(segment.slot) outside the cache's \(cache.slots) slots")
            }
            guard !segment.tokens.isEmpty else { throw CTKDError("segment \(index) has no tokens") }
            guard segment.start >= 0, segment.start <= cache.lengths[segment.slot] else {
                throw CTKDError("segment \(index): start \(segment.start) beyond the \(cache.lengths[segment.slot]) tokens in slot \(segment.slot)")
            }
            guard segment.start + segment.tokens.count <= cache.capacity || !segment.appendsToCache else {
                throw CTKDError("segment \(index): \(segment.start + segment.tokens.count) tokens exceed the cache capacity \(cache.capacity)")
            }
            if segment.appendsToCache {
                guard appendStart[segment.slot] == nil else {
                    throw CTKDError("segment \(index): two segments append to slot \(segment.slot)")
                }
                appendStart[segment.slot] = segment.start
            }
        }
        for (index, segment) in segments.enumerated() where !segment.appendsToCache {
            if let start = appendStart[segment.slot], segment.start > start {
                throw CTKDError("segment \(index) reads positions of slot \(segment.slot) that another segment overwrites")
            }
        }
    }

    /// Writes appending segments' keys and values into the cache, then attends every
    /// (segment, key/value head) pair in parallel.
    private func attend(layer l: Int, segments: [InferenceSegment], rowStarts: [Int],
                        qkv: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, cache: KVCache) {
        let shape = config.attentionShape
        let (D, K, G, width, A) = (shape.headSize, shape.kvHeads, shape.groupSize, shape.qkvWidth, shape.outputWidth)
        for (s, segment) in segments.enumerated() where segment.appendsToCache {
            for g in 0..<K {
                let keys = cache.keyPointer(layer: l, slot: segment.slot, head: g) + segment.start * D
                let values = cache.valuePointer(layer: l, slot: segment.slot, head: g) + segment.start * D
                for i in 0..<segment.tokens.count {
                    let row = qkv + (rowStarts[s] + i) * width
                    (keys + i * D).update(from: row + shape.keyOffset + g * D, count: D)
                    (values + i * D).update(from: row + shape.valueOffset + g * D, count: D)
                }
            }
        }
        let pool = ScratchPool()
        let (qkvBase, outBase) = (UncheckedPointer(qkv), UncheckedPointer(out))
        BLAS.withThreadCount(1) {
            Parallel.forEach(segments.count * K) { unit in
                let (s, g) = unit.quotientAndRemainder(dividingBy: K)
                let segment = segments[s]
                let n = segment.tokens.count
                let rows = qkvBase.pointer + rowStarts[s] * width
                let outRows = outBase.pointer + rowStarts[s] * A
                let prefix = Attention.Prefix(keys: cache.keyPointer(layer: l, slot: segment.slot, head: g),
                                              values: cache.valuePointer(layer: l, slot: segment.slot, head: g),
                                              stride: D, length: segment.start)
                let ownKeys = rows + shape.keyOffset + g * D, ownValues = rows + shape.valueOffset + g * D
                if n == 1 && G > 1 {
                    // One token: the group's query heads are adjacent, one (G, D) matrix.
                    pool.withBuffer(count: G * (segment.start + 1)) { scores in
                        Attention.attendHead(out: outRows + g * G * D, outStride: D, queries: rows + g * G * D, queryStride: D,
                                             rows: G, rowsPerToken: G, prefix: prefix, ownKeys: ownKeys, ownValues: ownValues,
                                             ownStride: width, scores: scores, scoresStride: segment.start + 1,
                                             headSize: D, scale: shape.scale)
                    }
                } else {
                    pool.withBuffer(count: n * (segment.start + n)) { scores in
                        for h in (g * G)..<((g + 1) * G) {
                            Attention.attendHead(out: outRows + h * D, outStride: A, queries: rows + h * D, queryStride: width,
                                                 rows: n, rowsPerToken: 1, prefix: prefix, ownKeys: ownKeys, ownValues: ownValues,
                                                 ownStride: width, scores: scores, scoresStride: segment.start + n,
                                                 headSize: D, scale: shape.scale)
                        }
                    }
                }
            }
        }
    }
}
