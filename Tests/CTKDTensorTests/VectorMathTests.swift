import Testing
import Foundation
@testable import CTKDTensor

@Suite struct VectorMathTests {
    @Test func expMatchesLibmAcrossRange() {
        var worst: Double = 0
        var x: Float = -87
        while x < 88 {
            let got = Double(VectorMath.exp(x))
            let want = Foundation.exp(Double(x))
            worst = max(worst, abs(got - want) / want)
            x += 0.0137
        }
        #expect(worst < 3e-7)
        #expect(VectorMath.exp(-100) == 0)
        #expect(VectorMath.exp(0) == 1)
    }

    @Test func softmaxAndLogSoftmaxAgreeWithDoublePrecision() {
        let logits: [Float] = (0..<37).map { Float(sin(Double($0)) * 12) }
        var probabilities = [Float](repeating: 0, count: logits.count)
        var logProbabilities = [Float](repeating: 0, count: logits.count)
        Softmax.row(logits, &probabilities, count: logits.count)
        Softmax.logRow(logits, &logProbabilities, count: logits.count)
        let maximum = logits.map(Double.init).max()!
        let normaliser = maximum + log(logits.map { exp(Double($0) - maximum) }.reduce(0, +))
        for index in logits.indices {
            let want = Double(logits[index]) - normaliser
            #expect(abs(Double(logProbabilities[index]) - want) < 1e-5)
            #expect(abs(Double(probabilities[index]) - exp(want)) < 1e-6)
        }
        var inPlace = logits
        inPlace.withUnsafeMutableBufferPointer { Softmax.logRow($0.baseAddress!, $0.baseAddress!, count: $0.count) }
        #expect(inPlace == logProbabilities)
    }

    @Test func sgemmTransposes() {
        // A 2×3, B 3×2 → C 2×2; also Aᵀ·Bᵀ with stored transposes.
        let a: [Float] = [1, 2, 3, 4, 5, 6]
        let b: [Float] = [7, 8, 9, 10, 11, 12]
        var c = [Float](repeating: 0, count: 4)
        BLAS.sgemm(m: 2, n: 2, k: 3, a: a, lda: 3, b: b, ldb: 2, c: &c, ldc: 2)
        #expect(c == [58, 64, 139, 154])
        let aT: [Float] = [1, 4, 2, 5, 3, 6]
        let bT: [Float] = [7, 9, 11, 8, 10, 12]
        BLAS.sgemm(transposeA: true, transposeB: true, m: 2, n: 2, k: 3, a: aT, lda: 2, b: bT, ldb: 3, c: &c, ldc: 2)
        #expect(c == [58, 64, 139, 154])
    }
}
