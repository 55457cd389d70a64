import Testing
import Foundation
import CTKDCore
@testable import CTKDLosses

@Suite struct KernelTests {
    @Test(arguments: [1, 7, 64, 200])
    func topKSelectionMatchesAFullSort(k: Int) {
        var random = SeededRandom(seed: UInt64(k))
        // Rounded values so that ties occur; ties must go to the smaller index.
        let row = (0..<1_003).map { _ in Float((random.nextGaussian() * 4).rounded()) }
        var values = [Float](repeating: 0, count: k), indices = [Int32](repeating: 0, count: k)
        let count = TopKSelection.select(row, count: row.count, k: k, values: &values, indices: &indices)
        let expected = row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }.prefix(k)
        #expect(count == k)
        #expect(indices.map(Int.init) == Array(expected))
        #expect(values == expected.map { row[$0] })
    }

    @Test func topKSelectionOfAShortRow() {
        var values = [Float](repeating: 0, count: 5), indices = [Int32](repeating: 0, count: 5)
        let count = TopKSelection.select([1, 3, 2], count: 3, k: 5, values: &values, indices: &indices)
        #expect(count == 3 && Array(indices.prefix(3)) == [1, 2, 0])
    }

    @Test func temperedTeacherKeepsTheCacheExactAtTemperatureOne() throws {
        let topK = try TopKTargets(k: 3, ids: [5, 1, -1], logProbs: [log(0.5), log(0.3), -.infinity], tailMass: [0.2])
        var probabilities = [Float](repeating: 0, count: 3)
        let tail = topK.temperedProbabilities(position: 0, inverseTemperature: 1, into: &probabilities)
        #expect(abs(probabilities[0] - 0.5) < 1e-7 && abs(probabilities[1] - 0.3) < 1e-7 && probabilities[2] == 0)
        #expect(abs(tail - 0.2) < 1e-7)
        // At τ = 2 the tail is tempered as one bucket: softmax(log [.5, .3, .2] / 2).
        let bucket = topK.temperedProbabilities(position: 0, inverseTemperature: 0.5, into: &probabilities)
        let weights = [0.5, 0.3, 0.2].map { $0.squareRoot() }, total = weights.reduce(0, +)
        #expect(abs(Double(probabilities[0]) - weights[0] / total) < 1e-6)
        #expect(abs(Double(bucket) - weights[2] / total) < 1e-6)
    }

    @Test func sparseKLTailIsExactForAConfidentStudent() throws {
        // The student puts 1 − 3e-8 on token 0: 1 − Σ_K s would round to 0 in float32.
        let vocabularySize = 100
        var logits = [Float](repeating: -25, count: vocabularySize)
        logits[0] = -25 + log(Float(1 / 3e-8)) + log(Float(vocabularySize - 1))
        let teacher = try TopKTargets(k: 1, ids: [0], logProbs: [log(0.9)], tailMass: [0.1])
        let (value, _) = LossTestSupport.withRows(logits, rows: 1, vocabularySize: vocabularySize) { rows, gradient in
            SparseKL().forwardBackward(rows, teacher: teacher, pairs: [PositionPair(teacher: 0, student: 0)],
                                       dlogits: gradient, scale: 1)
        }
        let rest = 3e-8
        let expected = 0.9 * log(0.9 / (1 - rest)) + 0.1 * log(0.1 / rest)
        #expect(abs(value - expected) / expected < 1e-4)
    }
}
