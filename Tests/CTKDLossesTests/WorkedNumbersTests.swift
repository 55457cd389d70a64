import Testing
import Foundation
import CTKDCore
@testable import CTKDLosses

/// methods.md §4's worked examples.
@Suite struct WorkedNumbersTests {
    static let teacher: [[Float]] = [[0.7, 0.2, 0.1, 0], [0.2, 0.5, 0.2, 0.1]]
    static let student: [[Float]] = [[0.5, 0.3, 0.2], [0.2, 0.1, 0.7]]
    static let pairs = [PositionPair(teacher: 0, student: 0), PositionPair(teacher: 1, student: 1)]

    @Test func uldIsPointFourAtEachPosition() throws {
        let teacher = try LossTestSupport.topK(fromProbabilities: Self.teacher)
        let logits = LossTestSupport.logits(fromProbabilities: Self.student)
        for pair in Self.pairs {
            let (value, _) = LossTestSupport.withRows(logits, rows: 2, vocabularySize: 3) { rows, gradient in
                ULD().forwardBackward(rows, teacher: teacher, pairs: [pair], dlogits: gradient, scale: 1)
            }
            #expect(abs(value - 0.4) < 1e-6)
        }
    }

    @Test func uldMeanThroughTheObjective() throws {
        let teacher = try TeacherSequence(byteSpans: LossTestSupport.spans([1, 1]),
                                          topK: LossTestSupport.topK(fromProbabilities: Self.teacher))
        let student = try StudentSequence(targets: [0, 2, 1], byteSpans: LossTestSupport.spans([1, 1], endOfSequence: true),
                                          responseBytes: Array("ab".utf8))
        var configuration = ObjectiveConfiguration(method: .uld)
        configuration.uld.alignment = .index
        let objective = try Objective(configuration, vocabularySize: 3)
        let logits = LossTestSupport.logits(fromProbabilities: Self.student + [[0.4, 0.4, 0.2]])
        let values = try logits.withUnsafeBufferPointer { logits in
            try objective.forwardBackward([ObjectiveExample(logits: logits.baseAddress!, logitGradient: .none,
                                                            student: student, teacher: teacher)])
        }
        #expect(abs(values.terms["uld"]! - 0.4) < 1e-6)
        // CE: −(log .5 + log .7 + log .4) / 3; total = CE + 1.5 · ULD.
        let crossEntropy = -(log(0.5) + log(0.7) + log(0.4)) / 3
        #expect(abs(values.terms["ce"]! - crossEntropy) < 1e-6)
        #expect(abs(values.total - (crossEntropy + 1.5 * 0.4)) < 1e-6)
    }

    @Test func multiLevelOTTerms() throws {
        let teacher = try LossTestSupport.topK(fromProbabilities: Self.teacher)
        let logits = LossTestSupport.logits(fromProbabilities: Self.student)
        var configuration = MultiLevelOTConfiguration()
        configuration.columns = 2
        configuration.tokenTemperature = 1
        configuration.sequenceTemperature = 1
        for iterations in [10, 20] {
            configuration.iterations = iterations
            let (terms, _) = LossTestSupport.withRows(logits, rows: 2, vocabularySize: 3) { rows, gradient in
                MultiLevelOT(configuration).forwardBackward(rows, teacher: teacher, pairs: Self.pairs,
                                                            dlogits: gradient, scale: 1)
            }
            #expect(abs(terms.holisticAbsoluteDifference - 1.6) < 1e-6)
            #expect(abs(terms.sequentialLog - 2.141290) < 1e-6)
            #expect(abs(terms.sinkhornDistance - 0.000537) < 5e-7)
        }
    }

    @Test func multiLevelOTCostMatrix() throws {
        let teacher = try LossTestSupport.topK(fromProbabilities: Self.teacher)
        let logits = LossTestSupport.logits(fromProbabilities: Self.student)
        let level = logits.withUnsafeBufferPointer { logits in
            MultiLevelOT.RankedColumns(LogitRows(logits: logits.baseAddress!, rows: 2, vocabularySize: 3),
                                       teacher: teacher, temperature: 1, columns: 2)
        }
        #expect(level.studentColumns == [2, 0])
        let teacherColumns = (0..<2).map { i in (0..<2).map { level.teacher[i * level.stride + $0] } }
        let studentColumns = (0..<2).map { j in (0..<2).map { level.student[j * level.stride + $0] } }
        #expect(teacherColumns.flatMap { $0 }.elementsEqual([0.7, 0.2, 0.2, 0.5]) { abs($0 - $1) < 1e-6 })
        #expect(studentColumns.flatMap { $0 }.elementsEqual([0.2, 0.5, 0.7, 0.2]) { abs($0 - $1) < 1e-6 })
    }
}
