import CTKDCore

/// Where a data stream is: epoch and position within the epoch's shuffled order. Checkpointed,
/// so a resumed run reads exactly the batches an uninterrupted one would.
public struct DataCursor: Codable, Sendable, Equatable {
    public var epoch = 0
    public var position = 0
    public init(epoch: Int = 0, position: Int = 0) {
        self.epoch = epoch
        self.position = position
    }
}

/// A seeded order of `count` items per epoch: each epoch is a fresh Fisher–Yates shuffle drawn
/// from a generator seeded by (seed, epoch), so it can be recomputed from the cursor alone.
public struct EpochOrder: Sendable {
    public let count: Int
    public let seed: UInt64
    private var cachedEpoch = -1
    private var order: [Int] = []

    public init(count: Int, seed: UInt64) {
        self.count = count
        self.seed = seed
    }

    /// The item at the cursor, advancing it (and rolling over into the next epoch).
    public mutating func next(_ cursor: inout DataCursor) -> Int {
        if cursor.position >= count {
            cursor.epoch += 1
            cursor.position = 0
        }
        if cachedEpoch != cursor.epoch {
            var random = SeededRandom(seed: seed ^ (UInt64(cursor.epoch) &* 0x9E37_79B9_7F4A_7C15))
            order = Array(0..<count)
            for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, random.nextInt(below: i + 1)) }
            cachedEpoch = cursor.epoch
        }
        let item = order[cursor.position]
        cursor.position += 1
        return item
    }
}

/// Batches of (B, T) token windows for causal-LM pretraining: documents are concatenated (with
/// `separator`, e.g. EOS, after each) and cut into non-overlapping windows of T + 1 tokens
/// (inputs are the first T, targets the last T), visited in a seeded order per epoch.
public struct LanguageModelingData: Sendable {
    public let stream: [Int32]
    public let time: Int
    private var order: EpochOrder

    public init(documents: [[Int32]], separator: Int32?, time: Int, seed: UInt64) throws {
        var stream = [Int32]()
        for document in documents {
            stream += document
            if let separator { stream.append(separator) }
        }
        let windows = stream.isEmpty ? 0 : (stream.count - 1) / time
        guard windows > 0 else {
            throw CTKDError("the training data has \(stream.count) tokens, fewer than one window of \(time + 1)")
        }
        self.stream = stream
        self.time = time
        order = EpochOrder(count: windows, seed: seed)
    }

    public var windowCount: Int { order.count }

    public mutating func nextBatch(size: Int, cursor: inout DataCursor) -> TokenBatch {
        var tokens = [Int32](), targets = [Int32]()
        tokens.reserveCapacity(size * time)
        targets.reserveCapacity(size * time)
        for _ in 0..<size {
            let start = order.next(&cursor) * time
            tokens += stream[start..<(start + time)]
            targets += stream[(start + 1)...(start + time)]
        }
        return TokenBatch(batch: size, time: time, tokens: tokens, targets: targets)
    }
}

/// One supervised example: the loss covers the response (and the EOS after it), not the prompt.
public struct SupervisedExample: Sendable, Equatable {
    public var prompt: [Int32]
    public var response: [Int32]
    public init(prompt: [Int32], response: [Int32]) {
        self.prompt = prompt
        self.response = response
    }
}

/// Batches for supervised fine-tuning: each example is prompt + response (+ EOS), cut to at
/// most T + 1 tokens, right-padded to the longest in its batch; targets only on response tokens.
public struct SupervisedData: Sendable {
    public let examples: [SupervisedExample]
    public let time: Int
    public let endOfSequence: Int32?
    public let padding: Int32
    private var order: EpochOrder

    public init(examples: [SupervisedExample], endOfSequence: Int32?, time: Int, seed: UInt64) throws {
        guard !examples.isEmpty else { throw CTKDError("no training examples") }
        self.examples = examples
        self.time = time
        self.endOfSequence = endOfSequence
        padding = endOfSequence ?? 0
        order = EpochOrder(count: examples.count, seed: seed)
    }

    public mutating func nextBatch(size: Int, cursor: inout DataCursor) -> TokenBatch {
        var rows = [(tokens: [Int32], targets: [Int32])]()
        for _ in 0..<size {
            let example = examples[order.next(&cursor)]
            var sequence = example.prompt + example.response
            if let endOfSequence { sequence.append(endOfSequence) }
            sequence = Array(sequence.prefix(time + 1))
            let length = sequence.count - 1
            let targets = (0..<length).map { j in j + 1 >= example.prompt.count ? sequence[j + 1] : CrossEntropy.ignoredTarget }
            rows.append((Array(sequence.prefix(length)), targets))
        }
        let width = max(1, rows.map(\.tokens.count).max() ?? 1)
        var tokens = [Int32](), targets = [Int32]()
        for row in rows {
            tokens += row.tokens + [Int32](repeating: padding, count: width - row.tokens.count)
            targets += row.targets + [Int32](repeating: CrossEntropy.ignoredTarget, count: width - row.targets.count)
        }
        return TokenBatch(batch: size, time: width, tokens: tokens, targets: targets)
    }
}
