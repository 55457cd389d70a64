import Testing
import Foundation
import CTKDCore
@testable import CTKDLosses

@Suite struct ByteHeadTests {
    /// A sequence with a long token (more bytes than M), a one-byte token, a byte-less special
    /// token, and EOS; teacher byte targets for the first 9 offsets only.
    static func example(random: inout SeededRandom) throws -> (StudentSequence, ByteDistributions) {
        let spans = LossTestSupport.spans([2, 5, 1, 0, 3], endOfSequence: true)
        let student = try StudentSequence(targets: [Int32](repeating: 1, count: spans.count), byteSpans: spans,
                                          responseBytes: (0..<11).map { _ in UInt8(random.nextInt(below: 256)) })
        var targets = [Float]()
        for _ in 0..<9 {
            var row = (0..<257).map { _ in random.nextFloat() < 0.7 ? 0 : random.nextFloat() }
            let total = row.reduce(0, +)
            row = row.map { $0 / total }
            targets += row
        }
        return (student, try ByteDistributions(probabilities: targets))
    }

    @Test func symbolsFollowTheTokens() throws {
        var random = SeededRandom(seed: 1)
        let (student, targets) = try Self.example(random: &random)
        let plan = SymbolPlan(student, byteCount: 3)
        // Positions by symbol count: 1 (5 bytes → 3), 4 (3), 0 (2), 2 (1), 5 (EOS, 1); 3 predicts nothing.
        #expect(plan.order == [1, 4, 0, 2, 5])
        #expect(plan.rowsPerMap == [5, 3, 2])
        #expect(plan.symbolOffsets == [2, 8, 0, 7, 11, 3, 9, 1, 4, 10])
        let counts = BLD(BLDConfiguration.with(byteCount: 3), hiddenSize: 4).symbolCounts(student, teacher: targets)
        #expect(counts.all == 10 && counts.withTargets == 7)
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        var random = SeededRandom(seed: 2)
        let (student, targets) = try Self.example(random: &random)
        let hiddenSize = 5
        let bld = BLD(BLDConfiguration.with(byteCount: 3), hiddenSize: hiddenSize)
        let parameters = bld.head.initialParameters(seed: 3, standardDeviation: 0.5)
        let hidden = LossTestSupport.randomLogits(student.positions * hiddenSize, random: &random, scale: 1)
        func loss(_ hidden: [Float], _ parameters: [Float]) -> Double {
            let terms = bld.forwardBackward(hidden: hidden, student: student, teacher: targets, parameters: parameters,
                                            parameterGradients: nil, dhidden: nil, byteCrossEntropyScale: 0, klScale: 0)
            return 0.6 * terms.byteCrossEntropy + 0.25 * terms.kl
        }
        var parameterGradient = [Float](repeating: 0, count: parameters.count)
        var hiddenGradient = [Float](repeating: 7, count: hidden.count)   // backward adds: start from 7
        _ = bld.forwardBackward(hidden: hidden, student: student, teacher: targets, parameters: parameters,
                                parameterGradients: &parameterGradient, dhidden: &hiddenGradient,
                                byteCrossEntropyScale: 0.6, klScale: 0.25)
        let hiddenError = LossTestSupport.finiteDifferences(at: hidden, analytic: hiddenGradient.map { $0 - 7 }) {
            loss($0, parameters)
        }
        // Every 7th parameter: all maps, weights and biases, without 10k forward passes.
        let parameterError = LossTestSupport.finiteDifferences(at: parameters, analytic: parameterGradient, step: 7) {
            loss(hidden, $0)
        }
        print("bld dhidden:", hiddenError, "dparameters:", parameterError)
        #expect(hiddenError.relativeToLargest < 1e-3)
        #expect(parameterError.relativeToLargest < 1e-3)
        // The masked positions (the byte-less special token) get no gradient.
        #expect((0..<hiddenSize).allSatisfy { hiddenGradient[3 * hiddenSize + $0] == 7 })
    }

    @Test func initialisationIsSeeded() {
        let head = ByteDecoderHead(hiddenSize: 16, byteCount: 4)
        let first = head.initialParameters(seed: 11), again = head.initialParameters(seed: 11)
        #expect(first == again && first != head.initialParameters(seed: 12))
        #expect(first.count == 4 * 257 * 17)
        #expect(first[head.biasOffset(0)...].allSatisfy { $0 == 0 })
        let weights = first[..<head.biasOffset(0)]
        let deviation = sqrt(weights.reduce(0) { $0 + Double($1 * $1) } / Double(weights.count))
        #expect(abs(deviation - 0.02) < 0.001)
    }
}

extension BLDConfiguration {
    static func with(byteCount: Int) -> BLDConfiguration {
        var configuration = BLDConfiguration()
        configuration.byteCount = byteCount
        return configuration
    }
}
