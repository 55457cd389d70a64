import Testing
import Foundation
import CTKDCore
@testable import CTKDLosses

@Suite struct ObjectiveTests {
    @Test func configurationDecodesPartialJSONWithDefaults() throws {
        let json = #"{"method": "mlot", "mlot": {"weight": 1.5, "sinkhornGradient": "envelope"}, "uld": {"alignment": "index"}}"#
        let configuration = try JSONDecoder().decode(ObjectiveConfiguration.self, from: Data(json.utf8))
        #expect(configuration.method == .mlot)
        #expect(configuration.mlot.weight == 1.5 && configuration.mlot.sinkhornGradient == .envelope)
        #expect(configuration.mlot.beta == 0.1 && configuration.mlot.gamma == 0.1 && configuration.mlot.lambda == 0.1)
        #expect(configuration.mlot.iterations == 20 && configuration.mlot.columns == 50)
        #expect(configuration.mlot.tokenTemperature == 1 && configuration.mlot.sequenceTemperature == 2)
        #expect(configuration.uld.alignment == .index && configuration.uld.weight == 1.5)
        #expect(configuration.bld.byteCount == 10 && configuration.bld.byteCrossEntropyWeight == 1)
        #expect(configuration.bld.klWeight == 0.1)
        let roundTrip = try JSONDecoder().decode(ObjectiveConfiguration.self, from: JSONEncoder().encode(configuration))
        #expect(roundTrip == configuration)
    }

    @Test func badConfigurationNamesTheField() {
        let json = #"{"method": "uld", "uld": {"temperature": 0}}"#
        #expect {
            try JSONDecoder().decode(ObjectiveConfiguration.self, from: Data(json.utf8))
        } throws: { error in
            (error as? CTKDError)?.field == "uld.temperature"
        }
    }

    @Test func missingTeacherTargetsAreAnErrorNotACrash() throws {
        let objective = try Objective(ObjectiveConfiguration(method: .uld), vocabularySize: 4)
        let logits = FloatBuffer(zeros: 8)
        let student = try StudentSequence(targets: [1, 2], byteSpans: LossTestSupport.spans([1], endOfSequence: true),
                                          responseBytes: [65])
        let teacher = try TeacherSequence(byteSpans: LossTestSupport.spans([1]))
        #expect {
            try withExtendedLifetime(logits) {
                try objective.forwardBackward([ObjectiveExample(logits: logits.pointer, logitGradient: .none,
                                                                student: student, teacher: teacher)])
            }
        } throws: { error in
            (error as? CTKDError)?.field == "teacher.topK"
        }
    }

    @Test func sameTokenizerMethodsRejectTeacherIdsOutsideTheStudentVocabulary() throws {
        let objective = try Objective(ObjectiveConfiguration(method: .kl), vocabularySize: 4)
        let logits = FloatBuffer(zeros: 8)
        let student = try StudentSequence(targets: [1, 2], byteSpans: LossTestSupport.spans([1], endOfSequence: true),
                                          responseBytes: [65])
        let teacher = try TeacherSequence(byteSpans: LossTestSupport.spans([1]),
                                          topK: TopKTargets(k: 1, ids: [9], logProbs: [-0.1], tailMass: [0.09]))
        #expect {
            try withExtendedLifetime(logits) {
                try objective.forwardBackward([ObjectiveExample(logits: logits.pointer, logitGradient: .none,
                                                                student: student, teacher: teacher)])
            }
        } throws: { error in
            (error as? CTKDError)?.field == "teacher.topK.ids"
        }
        #expect(throws: CTKDError.self) { try Objective(ObjectiveConfiguration(method: .bld), vocabularySize: 4) }
    }

    @Test func inputsAreValidated() {
        #expect(throws: CTKDError.self) { try TopKTargets(k: 2, ids: [1, 2, 3], logProbs: [0, 0, 0], tailMass: [0]) }
        #expect(throws: CTKDError.self) { try TopKTargets(k: 1, ids: [1], logProbs: [0.5], tailMass: [0]) }
        #expect(throws: CTKDError.self) { try TopKTargets(k: 1, ids: [1 << 30], logProbs: [-1], tailMass: [0.6]) }
        #expect(throws: CTKDError.self) { try SampledTargets(offsets: [0, 2], ids: [1], counts: [1]) }
        #expect(throws: CTKDError.self) { try ByteDistributions(probabilities: [Float](repeating: 0, count: 256)) }
        #expect(throws: CTKDError.self) {
            try StudentSequence(targets: [1], byteSpans: [ByteSpan(start: 0, end: 3)], responseBytes: [1, 2])
        }
    }

    /// The terms are means, so repeating every sequence of a batch changes neither them nor the
    /// gradient of a sequence's logits (halved per copy, summed over both copies).
    @Test func termsAreBatchMeans() throws {
        var random = SeededRandom(seed: 9)
        let vocabularySize = 30
        let teacher = try TeacherSequence(byteSpans: LossTestSupport.spans([2, 1, 3]),
                                          topK: LossTestSupport.randomTopK(positions: 3, k: 5, vocabularySize: 40,
                                                                           random: &random))
        let student = try StudentSequence(targets: [3, 4, 5, 6], byteSpans: LossTestSupport.spans([2, 1, 3], endOfSequence: true),
                                          responseBytes: Array("abcdef".utf8))
        let logits = FloatBuffer(LossTestSupport.randomLogits(4 * vocabularySize, random: &random))
        for method in [DistillationMethod.uld, .mlot] {
            var configuration = ObjectiveConfiguration(method: method)
            configuration.mlot.columns = 5
            let objective = try Objective(configuration, vocabularySize: vocabularySize)
            let single = FloatBuffer(zeros: logits.count), double = FloatBuffer(zeros: logits.count)
            let (one, two) = try withExtendedLifetime(logits) {
                let one = try objective.forwardBackward([ObjectiveExample(
                    logits: logits.pointer, logitGradient: .add(to: single.pointer), student: student, teacher: teacher)])
                let example = ObjectiveExample(logits: logits.pointer, logitGradient: .add(to: double.pointer),
                                               student: student, teacher: teacher)
                return (one, try objective.forwardBackward([example, example]))
            }
            #expect(abs(one.total - two.total) < 1e-6)
            for (key, value) in one.terms { #expect(abs(value - two.terms[key]!) < 1e-6, "\(key)") }
            #expect(zip(single.array, double.array).allSatisfy { abs($0 - $1) < 1e-6 })
        }
    }
}

extension ObjectiveTests {
    static func mlotExample(_ random: inout SeededRandom, vocabularySize: Int) throws -> (StudentSequence, TeacherSequence, [Float]) {
        let teacher = try TeacherSequence(byteSpans: LossTestSupport.spans([2, 1, 3, 2]),
                                          topK: LossTestSupport.randomTopK(positions: 4, k: 6, vocabularySize: 40,
                                                                           random: &random))
        let student = try StudentSequence(targets: [3, 4, 5, 6, 7], byteSpans: LossTestSupport.spans([3, 3, 1, 1], endOfSequence: true),
                                          responseBytes: Array("abcdefgh".utf8))
        return (student, teacher, LossTestSupport.randomLogits(5 * vocabularySize, random: &random))
    }

    /// Trainers without a separate (B, T, V) gradient buffer overwrite the logits in place; the
    /// result must equal adding into zeros, for every method that touches the logits.
    @Test(arguments: [DistillationMethod.sft, .kl, .uld, .mlot])
    func overwritingTheLogitsEqualsAddingIntoZeros(method: DistillationMethod) throws {
        var random = SeededRandom(seed: 21)
        let vocabularySize = 40
        let (student, initialTeacher, logits) = try Self.mlotExample(&random, vocabularySize: vocabularySize)
        var teacher = initialTeacher
        if method == .kl {   // same tokenizer: the teacher's positions are the student's
            teacher = try TeacherSequence(byteSpans: Array(student.byteSpans.dropLast()),
                                          topK: LossTestSupport.randomTopK(positions: 4, k: 6, vocabularySize: vocabularySize,
                                                                           random: &random))
        }
        let objective = try Objective(ObjectiveConfiguration(method: method), vocabularySize: vocabularySize)
        let separate = FloatBuffer(zeros: logits.count), inPlace = FloatBuffer(logits), input = FloatBuffer(logits)
        let added = try objective.forwardBackward([ObjectiveExample(logits: input.pointer, logitGradient: .add(to: separate.pointer),
                                                                    student: student, teacher: teacher)])
        let overwritten = try objective.forwardBackward([ObjectiveExample(logits: inPlace.pointer, logitGradient: .overwriteLogits,
                                                                          student: student, teacher: teacher)])
        #expect(added == overwritten)
        let difference = zip(separate.array, inPlace.array).map { abs($0 - $1) }.max()!
        #expect(difference < 1e-7, "\(method): \(difference)")
        #expect(input.array == logits)
    }

    /// Two micro-batches normalised by the step's counts give the whole batch's gradient, and
    /// `combine` gives its values.
    @Test func microBatchesAccumulateToTheWholeBatch() throws {
        var random = SeededRandom(seed: 22)
        let vocabularySize = 40
        let first = try Self.mlotExample(&random, vocabularySize: vocabularySize)
        let second = try Self.mlotExample(&random, vocabularySize: vocabularySize)
        var configuration = ObjectiveConfiguration(method: .mlot)
        configuration.mlot.columns = 6
        let objective = try Objective(configuration, vocabularySize: vocabularySize)
        let logits = [FloatBuffer(first.2), FloatBuffer(second.2)]
        let whole = [FloatBuffer(zeros: first.2.count), FloatBuffer(zeros: second.2.count)]
        let parts = [FloatBuffer(zeros: first.2.count), FloatBuffer(zeros: second.2.count)]
        func examples(_ gradients: [FloatBuffer]) -> [ObjectiveExample] {
            [ObjectiveExample(logits: logits[0].pointer, logitGradient: .add(to: gradients[0].pointer), student: first.0, teacher: first.1),
             ObjectiveExample(logits: logits[1].pointer, logitGradient: .add(to: gradients[1].pointer), student: second.0, teacher: second.1)]
        }
        let (batch, micro) = try withExtendedLifetime(logits) {
            let batch = try objective.forwardBackward(examples(whole))
            let step = objective.counts(of: examples(parts))
            return (batch, try examples(parts).map { try objective.forwardBackward([$0], normalizers: step) })
        }
        let combined = objective.combine(micro)
        #expect(combined.counts == batch.counts && abs(combined.total - batch.total) < 1e-9)
        for index in 0..<2 {
            #expect(zip(whole[index].array, parts[index].array).allSatisfy { abs($0 - $1) < 1e-7 })
        }
    }
}
