import Foundation
@testable import CTKDCache

/// Brute-force enumeration of cover encodings (methods.md §2), the independent reference for the
/// byte beam: P({x}) sums, over every token sequence whose bytes start with x and whose last token
/// is the first to reach past x's end, the sequence's probability.
struct BruteForceCover {
    let teacher: ToyTeacher
    let prompt: [Int32]

    func probabilities(after history: [Int32]) -> [Double] {
        teacher.logProbs(after: history).map { $0 == -.infinity ? 0 : exp(Double($0)) }
    }

    /// P({x}): total probability of token sequences (after the prompt) whose bytes start with x.
    func prefixMass(_ x: [UInt8]) -> Double {
        x.isEmpty ? 1 : cover(prompt, x[...])
    }

    private func cover(_ history: [Int32], _ rest: ArraySlice<UInt8>) -> Double {
        let p = probabilities(after: history)
        var total = 0.0
        for (token, bytes) in teacher.vocabularyBytes.enumerated() where !bytes.isEmpty && p[token] > 0 {
            if bytes.starts(with: rest) {
                total += p[token]
            } else if rest.starts(with: bytes) {
                total += p[token] * cover(history + [Int32(token)], rest.dropFirst(bytes.count))
            }
        }
        return total
    }

    /// Probability that the token sequence produces exactly x and then ends.
    func endMass(_ x: [UInt8]) -> Double { exact(prompt, x[...]) }

    private func exact(_ history: [Int32], _ rest: ArraySlice<UInt8>) -> Double {
        let p = probabilities(after: history)
        if rest.isEmpty { return p[Int(teacher.endOfSequence)] }
        var total = 0.0
        for (token, bytes) in teacher.vocabularyBytes.enumerated() where !bytes.isEmpty && p[token] > 0 {
            if rest.starts(with: bytes) { total += p[token] * exact(history + [Int32(token)], rest.dropFirst(bytes.count)) }
        }
        return total
    }

    /// The exact 257-symbol next-byte distribution after x.
    func nextByteDistribution(after x: [UInt8]) -> [Double] {
        let denominator = prefixMass(x)
        var result = (0..<256).map { prefixMass(x + [UInt8($0)]) / denominator }
        result.append(endMass(x) / denominator)
        return result
    }
}
