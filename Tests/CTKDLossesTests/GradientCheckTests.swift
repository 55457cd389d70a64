import Testing
import Foundation
import CTKDCore
@testable import CTKDLosses

/// Finite-difference checks of every hand-written backward with respect to the student logits.
@Suite struct GradientCheckTests {
    /// Runs `evaluate` once with a gradient buffer and then with central differences on every
    /// logit; returns the worst error.
    static func check(logits: [Float], rows: Int, vocabularySize: Int, epsilon: Float = 1e-2,
                      kinkThreshold: Double? = nil, _ evaluate: (LogitRows, UnsafeMutablePointer<Float>?) -> Double) -> LossTestSupport.GradientError {
        let (_, analytic) = LossTestSupport.withRows(logits, rows: rows, vocabularySize: vocabularySize) { evaluate($0, $1) }
        #expect(analytic.contains { $0 != 0 }, "the loss must have a gradient here")
        return LossTestSupport.finiteDifferences(at: logits, analytic: analytic, epsilon: epsilon,
                                                 kinkThreshold: kinkThreshold) { probe in
            LossTestSupport.withRows(probe, rows: rows, vocabularySize: vocabularySize) { rows, _ in evaluate(rows, nil) }.0
        }
    }

    @Test func crossEntropy() {
        var random = SeededRandom(seed: 1)
        let logits = LossTestSupport.randomLogits(5 * 37, random: &random)
        let targets: [Int32] = [3, 36, -1, 0, 17]
        let error = Self.check(logits: logits, rows: 5, vocabularySize: 37, epsilon: 1e-2) { rows, gradient in
            0.7 * CrossEntropy.forwardBackward(rows, targets: targets, dlogits: gradient, scale: 0.7)
        }
        #expect(error.relativeToLargest < 1e-3, "\(error)")
        print(error)
    }

    @Test(arguments: [Float(1), 2, 0.5])
    func sparseKL(temperature: Float) throws {
        var random = SeededRandom(seed: 2)
        let logits = LossTestSupport.randomLogits(4 * 37, random: &random)
        let teacher = try LossTestSupport.randomTopK(positions: 4, k: 6, vocabularySize: 37, random: &random)
        var configuration = SparseKLConfiguration()
        configuration.temperature = temperature
        let pairs = (0..<4).map { PositionPair(teacher: $0, student: $0) }
        let error = Self.check(logits: logits, rows: 4, vocabularySize: 37, epsilon: 1e-2) { rows, gradient in
            1.3 * SparseKL(configuration).forwardBackward(rows, teacher: teacher, pairs: pairs, dlogits: gradient, scale: 1.3)
        }
        #expect(error.relativeToLargest < 1e-3, "\(error)")
        print(error)
    }

    @Test func sampledKD() throws {
        var random = SeededRandom(seed: 3)
        let logits = LossTestSupport.randomLogits(3 * 29, random: &random)
        let teacher = try SampledTargets(offsets: [0, 3, 3, 5], ids: [4, 9, 28, 0, 4], counts: [30, 15, 5, 49, 1])
        let pairs = [PositionPair(teacher: 0, student: 2), PositionPair(teacher: 1, student: 0),
                     PositionPair(teacher: 2, student: 1)]
        let error = Self.check(logits: logits, rows: 3, vocabularySize: 29, epsilon: 1e-2) { rows, gradient in
            0.9 * SampledKD().forwardBackward(rows, teacher: teacher, pairs: pairs, dlogits: gradient, scale: 0.9)
        }
        #expect(error.relativeToLargest < 1e-3, "\(error)")
        print(error)
    }

    @Test(arguments: [(Float(1), 41), (2, 41), (1, 5)])
    func uld(temperature: Float, studentVocabulary: Int) throws {
        var random = SeededRandom(seed: 4)
        let logits = LossTestSupport.separatedLogits(rows: 4, vocabularySize: studentVocabulary, random: &random)
        let teacher = try LossTestSupport.randomTopK(positions: 5, k: 8, vocabularySize: 60, random: &random)
        var configuration = ULDConfiguration()
        configuration.temperature = temperature
        let pairs = [PositionPair(teacher: 0, student: 0), PositionPair(teacher: 2, student: 1),
                     PositionPair(teacher: 3, student: 3)]
        let error = Self.check(logits: logits, rows: 4, vocabularySize: studentVocabulary, epsilon: 1e-2) { rows, gradient in
            1.5 * ULD(configuration).forwardBackward(rows, teacher: teacher, pairs: pairs, dlogits: gradient, scale: 1.5)
        }
        #expect(error.relativeToLargest < 1e-3, "\(error)")
        print(error)
    }

    @Test(arguments: [(Float(1), Float(2)), (1, 1), (0.7, 2)])
    func multiLevelOT(tokenTemperature: Float, sequenceTemperature: Float) throws {
        var random = SeededRandom(seed: 5)
        // Columns ranked by an offset 8× the rows' own spread, so the ranking is stable under the steps.
        let offsets = (0..<40).map { Float($0) * 0.8 }.shuffled(using: &random)
        let logits = LossTestSupport.separatedLogits(rows: 6, vocabularySize: 40, spread: 2, columnOffsets: offsets,
                                                     random: &random)
        let teacher = try LossTestSupport.randomTopK(positions: 5, k: 10, vocabularySize: 50, random: &random)
        var configuration = MultiLevelOTConfiguration()
        configuration.columns = 7
        configuration.tokenTemperature = tokenTemperature
        configuration.sequenceTemperature = sequenceTemperature
        configuration.beta = 0.4
        configuration.gamma = 0.8
        let pairs = [PositionPair(teacher: 0, student: 0), PositionPair(teacher: 1, student: 2),
                     PositionPair(teacher: 3, student: 4)]
        let error = Self.check(logits: logits, rows: 6, vocabularySize: 40, kinkThreshold: 1e-3) { rows, gradient in
            let terms = MultiLevelOT(configuration).forwardBackward(rows, teacher: teacher, pairs: pairs,
                                                                    dlogits: gradient, scale: 1.1)
            return 1.1 * (terms.holisticAbsoluteDifference + 0.4 * terms.sequentialLog + 0.8 * terms.sinkhornDistance)
        }
        // The cost matrix's |t − s| terms put a few kinks within a 1e-2 step; those coordinates
        // are re-measured with a 2e-3 step, where float32 noise is ~5× larger.
        #expect(error.relativeToLargest < 2e-3, "\(error)")
        #expect(error.kinks <= error.checked / 50, "\(error)")
        print(error)
    }
}
