import CTKDCore
import CTKDTensor
#if canImport(Glibc)
import Glibc
#endif

/// How the next token is chosen from a row of logits (applied in Hugging Face's order:
/// temperature, then top-k, then top-p).
public struct SamplingConfig: Sendable, Equatable {
    /// 0 means greedy (argmax, the first index on ties).
    public var temperature: Float
    /// Keep only the k most likely tokens (0: off).
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability reaches p (1: off).
    public var topP: Float

    public init(temperature: Float = 0, topK: Int = 0, topP: Float = 1) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
    }

    public static let greedy = SamplingConfig()

    public var isGreedy: Bool { temperature == 0 }
}

public enum Sampler {
    /// Picks a token from `logits` (V values, left unchanged) and returns it with its log-probability
    /// under the model's own distribution (softmax of the raw logits: temperature and truncation
    /// change what is drawn, not the reported log-probability).
    public static func sample(_ logits: UnsafePointer<Float>, vocabulary: Int, config: SamplingConfig,
                              random: inout SeededRandom) -> (token: Int32, logProb: Float) {
        let normaliser = Softmax.logSumExp(logits, count: vocabulary)
        let token = config.isGreedy ? argmax(logits, count: vocabulary)
                                    : draw(logits, vocabulary: vocabulary, config: config, random: &random)
        return (Int32(token), logits[token] - normaliser)
    }

    public static func argmax(_ values: UnsafePointer<Float>, count: Int) -> Int {
        let maximum = VectorMath.maximum(values, count: count)
        var index = 0
        while index < count && values[index] != maximum { index += 1 }
        return min(index, count - 1)
    }

    private static func draw(_ logits: UnsafePointer<Float>, vocabulary: Int, config: SamplingConfig,
                             random: inout SeededRandom) -> Int {
        let inverseTemperature = 1 / config.temperature
        let maximum = VectorMath.maximum(logits, count: vocabulary)
        // Candidates in descending order of logit: the top k, or for top-p alone every token within
        // `margin` of the maximum, widening the margin until those tokens hold at least p of the mass
        // (the nucleus is then inside the candidates, so the result is exact).
        var candidates: [(logit: Float, token: Int)]
        if config.topK > 0 && config.topK < vocabulary {
            candidates = topK(logits, count: vocabulary, k: config.topK)
        } else if config.topP < 1 {
            var margin: Float = 8 * config.temperature
            let total = sumExp(logits, vocabulary: vocabulary, maximum: maximum, inverseTemperature: inverseTemperature)
            while true {
                let floor = maximum - margin
                candidates = []
                for token in 0..<vocabulary where logits[token] >= floor { candidates.append((logits[token], token)) }
                let mass = candidates.reduce(0.0) { $0 + Double(expf(($1.logit - maximum) * inverseTemperature)) }
                if mass >= Double(config.topP) * total || candidates.count == vocabulary { break }
                margin *= 2
            }
            candidates.sort { $0.logit > $1.logit || ($0.logit == $1.logit && $0.token < $1.token) }
        } else {
            candidates = (0..<vocabulary).map { (logits[$0], $0) }
        }
        var weights = candidates.map { Double(expf(($0.logit - maximum) * inverseTemperature)) }
        if config.topP < 1 {
            let total = weights.reduce(0, +)
            var cumulative = 0.0
            var keep = weights.count
            for (index, weight) in weights.enumerated() {
                cumulative += weight
                if cumulative >= Double(config.topP) * total {
                    keep = index + 1
                    break
                }
            }
            weights.removeLast(weights.count - keep)
        }
        let total = weights.reduce(0, +)
        let target = random.nextDouble() * total
        var cumulative = 0.0
        for (index, weight) in weights.enumerated() {
            cumulative += weight
            if target < cumulative { return candidates[index].token }
        }
        return candidates[weights.count - 1].token
    }

    private static func sumExp(_ logits: UnsafePointer<Float>, vocabulary: Int, maximum: Float,
                               inverseTemperature: Float) -> Double {
        var total = 0.0
        for token in 0..<vocabulary { total += Double(expf((logits[token] - maximum) * inverseTemperature)) }
        return total
    }

    /// The k largest logits, descending (ties: lower token id first), by a size-k min-heap.
    static func topK(_ logits: UnsafePointer<Float>, count: Int, k: Int) -> [(logit: Float, token: Int)] {
        // "a before b" in the heap means a is worse: smaller logit, or equal logit and larger id.
        func worse(_ a: (logit: Float, token: Int), _ b: (logit: Float, token: Int)) -> Bool {
            a.logit < b.logit || (a.logit == b.logit && a.token > b.token)
        }
        var heap = [(logit: Float, token: Int)]()
        heap.reserveCapacity(k)
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let (l, r) = (2 * i + 1, 2 * i + 2)
                var smallest = i
                if l < heap.count && worse(heap[l], heap[smallest]) { smallest = l }
                if r < heap.count && worse(heap[r], heap[smallest]) { smallest = r }
                if smallest == i { return }
                heap.swapAt(i, smallest)
                i = smallest
            }
        }
        for token in 0..<count {
            let item = (logit: logits[token], token: token)
            if heap.count < k {
                heap.append(item)
                var i = heap.count - 1
                while i > 0 && worse(heap[i], heap[(i - 1) / 2]) {
                    heap.swapAt(i, (i - 1) / 2)
                    i = (i - 1) / 2
                }
            } else if worse(heap[0], item) {
                heap[0] = item
                siftDown(0)
            }
        }
        return heap.sorted { worse($1, $0) }
    }
}
