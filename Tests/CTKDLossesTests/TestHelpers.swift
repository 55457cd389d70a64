import Foundation
import CTKDCore
@testable import CTKDLosses

/// Builders and a finite-difference checker shared by the loss tests.
enum LossTestSupport {
    /// Logits whose softmax is `probabilities` (log p; 0 becomes a very negative logit).
    static func logits(fromProbabilities probabilities: [[Float]]) -> [Float] {
        probabilities.flatMap { row in row.map { $0 > 0 ? Float(log(Double($0))) : -60 } }
    }

    /// A top-k cache entry per row holding every nonzero probability of `probabilities` (k = the
    /// row length, zeros as −infinity) with the tail mass 1 − Σ p.
    static func topK(fromProbabilities probabilities: [[Float]]) throws -> TopKTargets {
        let k = probabilities[0].count
        return try TopKTargets(
            k: k, ids: probabilities.flatMap { _ in (0..<k).map(Int32.init) },
            logProbs: probabilities.flatMap { row in row.map { $0 > 0 ? Float(log(Double($0))) : -.infinity } },
            tailMass: probabilities.map { max(0, 1 - $0.reduce(0, +)) })
    }

    /// A random top-k cache over `vocabularySize` tokens: distinct ids, log-probabilities of a
    /// random distribution, and its tail mass.
    static func randomTopK(positions: Int, k: Int, vocabularySize: Int, random: inout SeededRandom,
                           sharpness: Double = 2) throws -> TopKTargets {
        var ids = [Int32](), logProbs = [Float](), tails = [Float]()
        for _ in 0..<positions {
            let logits = (0..<vocabularySize).map { _ in random.nextGaussian() * sharpness }
            let maximum = logits.max()!
            let total = logits.reduce(0) { $0 + exp($1 - maximum) }
            let order = logits.indices.sorted { logits[$0] > logits[$1] }.prefix(k).shuffled(using: &random)
            var head = 0.0
            for id in order {
                let p = exp(logits[id] - maximum) / total
                ids.append(Int32(id))
                logProbs.append(Float(log(p)))
                head += p
            }
            tails.append(Float(max(0, 1 - head)))
        }
        return try TopKTargets(k: k, ids: ids, logProbs: logProbs, tailMass: tails)
    }

    static func randomLogits(_ count: Int, random: inout SeededRandom, scale: Double = 2) -> [Float] {
        (0..<count).map { _ in Float(random.nextGaussian() * scale) }
    }

    /// Logits far from the kinks of the sorting losses: each row is a random permutation of evenly
    /// spaced values (so no two probabilities are within e^0.2 of each other and a ±1e-2 step never
    /// reorders them), plus an optional per-column offset shared by all rows (so sequence-level
    /// column sums are ranked the same way under the same steps).
    static func separatedLogits(rows: Int, vocabularySize: Int, spread: Float = 4, columnOffsets: [Float]? = nil,
                                random: inout SeededRandom) -> [Float] {
        var logits = [Float]()
        for _ in 0..<rows {
            let values = (0..<vocabularySize).map { -spread + 2 * spread * Float($0) / Float(max(1, vocabularySize - 1)) }
            let row = values.shuffled(using: &random)
            logits += row.enumerated().map { $1 + (columnOffsets?[$0] ?? 0) }
        }
        return logits
    }

    /// Contiguous spans of the given byte lengths (0 = an empty span), plus the final EOS span
    /// when `endOfSequence`.
    static func spans(_ lengths: [Int], endOfSequence: Bool = false) -> [ByteSpan] {
        var start = 0
        var spans = lengths.map { length -> ByteSpan in
            defer { start += length }
            return ByteSpan(start: start, end: start + length)
        }
        if endOfSequence { spans.append(ByteSpan(start: start, end: start)) }
        return spans
    }

    /// Worst disagreement between central differences and an analytic gradient, measured against
    /// the gradient's largest component (float32 forward passes leave ~1e-4 of noise in a central
    /// difference; a wrong term shows up at the size of the gradient itself).
    struct GradientError: CustomStringConvertible {
        var maximumAbsolute = 0.0
        var largestGradient = 0.0
        var checked = 0
        /// Coordinates re-checked with a 5× smaller step because a kink lay within the first step.
        var kinks = 0
        var relativeToLargest: Double { maximumAbsolute / max(largestGradient, 1e-12) }
        var description: String {
            String(format: "max |fd − analytic| %.2e (%.2e of the largest component %.3f) over %d coordinates, %d kinks",
                   maximumAbsolute, relativeToLargest, largestGradient, checked, kinks)
        }
    }

    /// Central differences of `loss` at every `step`-th coordinate of `point` against `analytic`.
    ///
    /// Losses with |·| and rankings (ULD, MultiLevelOT) are piecewise smooth: a step that crosses a
    /// kink measures an average of two slopes. With `kinkThreshold`, a coordinate whose error
    /// exceeds it (relative to the largest component) is measured again with a 5× smaller step;
    /// an error from a kink shrinks with the step, an error from a wrong gradient does not.
    static func finiteDifferences(at point: [Float], analytic: [Float], epsilon: Float = 1e-2, step: Int = 1,
                                  kinkThreshold: Double? = nil, loss: ([Float]) -> Double) -> GradientError {
        precondition(point.count == analytic.count)
        var error = GradientError()
        error.largestGradient = Double(analytic.map(abs).max() ?? 0)
        var probe = point
        func centralDifference(_ index: Int, _ h: Float) -> Double {
            probe[index] = point[index] + h
            let plus = loss(probe)
            probe[index] = point[index] - h
            let minus = loss(probe)
            probe[index] = point[index]
            return (plus - minus) / Double(2 * h)
        }
        for index in Swift.stride(from: 0, to: point.count, by: step) {
            var difference = abs(centralDifference(index, epsilon) - Double(analytic[index]))
            if let kinkThreshold, difference > kinkThreshold * error.largestGradient {
                difference = abs(centralDifference(index, epsilon / 5) - Double(analytic[index]))
                error.kinks += 1
            }
            error.maximumAbsolute = max(error.maximumAbsolute, difference)
            error.checked += 1
        }
        return error
    }

    /// Calls `body` with `LogitRows` over `logits` and a zeroed gradient buffer; returns the
    /// body's value and the gradient.
    static func withRows<Value>(_ logits: [Float], rows: Int, vocabularySize: Int,
                                _ body: (LogitRows, UnsafeMutablePointer<Float>) -> Value) -> (Value, [Float]) {
        var gradient = [Float](repeating: 0, count: logits.count)
        let value = logits.withUnsafeBufferPointer { logits in
            gradient.withUnsafeMutableBufferPointer { gradient in
                body(LogitRows(logits: logits.baseAddress!, rows: rows, vocabularySize: vocabularySize),
                     gradient.baseAddress!)
            }
        }
        return (value, gradient)
    }
}

/// A float buffer with a stable address, for APIs that keep views (`ObjectiveExample`). An
/// optimised build may release it right after its last use, so a buffer that is only read through
/// a view must be kept alive with `withExtendedLifetime` while the view is used.
final class FloatBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(_ values: [Float]) {
        count = values.count
        pointer = .allocate(capacity: max(1, count))
        pointer.initialize(repeating: 0, count: max(1, count))
        for (index, value) in values.enumerated() { pointer[index] = value }
    }

    convenience init(zeros count: Int) { self.init([Float](repeating: 0, count: count)) }

    var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    deinit { pointer.deallocate() }
}
