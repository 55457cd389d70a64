import Foundation
import Testing
import CTKDCore
import CTKDCache
import CTKDModels
import CTKDTestSupport
@testable import CTKDStages

/// `EngineTeacher` against the engine's plain training forward of the same token sequences: its
/// prefilled rows, its branch rows (off the middle of a sequence and chains off its end) and its
/// identity.
@Suite struct EngineTeacherTests {
    static let config = ModelConfig(architecture: .gpt2, vocabularySize: 97, contextLength: 64, layers: 2, dim: 32, heads: 4)

    /// log-softmax of the last position's logits of `tokens`, recomputed from scratch.
    static func reference(_ model: LanguageModel, _ tokens: [Int32]) throws -> [Double] {
        let pass = try model.forward(tokens: tokens, batch: 1, time: tokens.count)
        let V = model.config.vocabularySize
        let logits = (0..<V).map { Double(pass.logits[(tokens.count - 1) * V + $0]) }
        let maximum = logits.max()!
        let normaliser = maximum + log(logits.reduce(0) { $0 + exp($1 - maximum) })
        return logits.map { $0 - normaliser }
    }

    static func maxDifference(_ row: UnsafeBufferPointer<Float>, _ reference: [Double]) -> Double {
        zip(row, reference).reduce(0) { max($0, abs(Double($1.0) - $1.1)) }
    }

    @Test func prefillAndBranchRowsEqualAFullForward() throws {
        let model = try LanguageModel(config: EngineTeacherTests.config, seed: 11)
        let teacher = EngineTeacher(model: model, weightsSHA256: "test")
        var random = SeededRandom(seed: 12)
        let sequences = [(9, 4), (17, 10), (5, 0)].map { count, firstRow in
            TeacherSequence(tokens: (0..<count).map { _ in Int32(random.nextInt(below: 97)) }, firstRow: firstRow)
        }
        let prefill = try teacher.prefill(sequences)
        var worst = 0.0
        for (index, sequence) in sequences.enumerated() {
            for length in (sequence.firstRow + 1)...sequence.tokens.count {
                let expected = try EngineTeacherTests.reference(model, Array(sequence.tokens[..<length]))
                worst = max(worst, EngineTeacherTests.maxDifference(prefill.logProbs(sequence: index, prefixLength: length), expected))
            }
        }
        // Chains as the byte beam and generation send them: off the middle (attend in place) and
        // off the end (appended to the slot), mixed in one call, then extended in the next calls.
        let rounds: [[BranchRequest]] = [
            [.init(sequence: 1, prefixLength: 12, extraTokens: [3]), .init(sequence: 0, prefixLength: 9, extraTokens: [7]),
             .init(sequence: 2, prefixLength: 5, extraTokens: [1]), .init(sequence: 1, prefixLength: 17, extraTokens: [50])],
            [.init(sequence: 1, prefixLength: 12, extraTokens: [3, 4]), .init(sequence: 0, prefixLength: 9, extraTokens: [7, 8]),
             .init(sequence: 1, prefixLength: 17, extraTokens: [50, 51]), .init(sequence: 1, prefixLength: 17, extraTokens: [60])],
            [.init(sequence: 0, prefixLength: 9, extraTokens: [7, 8, 9]), .init(sequence: 1, prefixLength: 17, extraTokens: [60, 61]),
             .init(sequence: 0, prefixLength: 3, extraTokens: [90, 91, 92])],
        ]
        for branches in rounds {
            let V = teacher.vocabularySize
            var rows = [Float](repeating: .nan, count: branches.count * V)
            try rows.withUnsafeMutableBufferPointer { try prefill.evaluate(branches, into: $0) }
            for (index, branch) in branches.enumerated() {
                let history = Array(sequences[branch.sequence].tokens[..<branch.prefixLength]) + branch.extraTokens
                let expected = try EngineTeacherTests.reference(model, history)
                worst = rows.withUnsafeBufferPointer {
                    max(worst, EngineTeacherTests.maxDifference(UnsafeBufferPointer(rebasing: $0[(index * V)..<((index + 1) * V)]), expected))
                }
            }
        }
        #expect(worst < 1e-5, "largest difference \(worst)")
    }

    @Test func identityHashesTheWeightsAndTheConfiguration() throws {
        let directory = try TestSupport.temporaryDirectory()
        let model = try LanguageModel(config: EngineTeacherTests.config, seed: 11)
        try model.save(directory: directory + "/a")
        try LanguageModel(config: EngineTeacherTests.config, seed: 12).save(directory: directory + "/b")
        let a = try EngineTeacher(directory: directory + "/a"), b = try EngineTeacher(directory: directory + "/b")
        #expect(a.identity.weightsSHA256 == (try SHA256.hex(fileAt: directory + "/a/model.safetensors")))
        #expect(a.identity.weightsSHA256 != b.identity.weightsSHA256)
        #expect(a.identity.configuration == b.identity.configuration)
        #expect(a.identity.configuration.contains(#""n_layer":2"#))
        #expect(a.identity == (try EngineTeacher(directory: directory + "/a")).identity)
    }
}

/// The pipeline's `teach` step over a saved engine model and a trained tokenizer.json: it fills
/// its directory with every shard, and rerunning it (resuming) writes nothing new.
@Suite struct TeachStepTests {
    @Test func teachStepWritesEveryShardAndResumes() throws {
        let directory = try TestSupport.temporaryDirectory()
        let tokenizer = try TeachStageTokenizerTests.trainedTokenizer(directory)
        let vocabulary = try HuggingFaceTeacherTokenizer(path: tokenizer).vocabularySize
        try LanguageModel(config: ModelConfig(architecture: .gpt2, vocabularySize: vocabulary, contextLength: 128, layers: 2,
                                              dim: 32, heads: 4), seed: 3).save(directory: directory + "/teacher")
        let data = directory + "/train.jsonl"
        try AtomicFile.write((0..<5).map { #"{"id": "e\#($0)", "prompt": "Question \#($0): where?", "response": " The answer is \#($0 * 7)."}"# }
            .joined(separator: "\n") + "\n", to: data)
        var spec = CacheSpec.defaults
        spec.topK = 8
        spec.sampled = 4
        spec.shards = 2
        let step = PlannedStep(name: "cache", kind: .teach, task: .teach(spec), config: spec.config,
                               inputs: [StepInput(name: "teacher", path: directory + "/teacher", hash: "t", producer: nil),
                                        StepInput(name: "tokenizer", path: tokenizer, hash: "k", producer: nil),
                                        StepInput(name: "data", path: data, hash: "d", producer: "data")],
                               outputDirectory: directory + "/cache")
        let context = StepContext(outputDirectory: directory + "/cache", resuming: false, label: "[2/3] cache", inputs: step.inputs)
        try #require(PipelineSteps.teacherStage[.teach] != nil)
        try PipelineSteps.teacherStage[.teach]!.run(step, context: context)
        #expect(CacheVerifier.verify(directory: directory + "/cache").isValid)
        let reader = try CacheReader(directory: directory + "/cache")
        #expect(reader.metadata["shard_count"] == "2")
        #expect(reader.metadata["byte_dist"] == "true")
        let first = try #require(try reader.record(id: "e3"))
        let resumed = StepContext(outputDirectory: directory + "/cache", resuming: true, label: "[2/3] cache", inputs: step.inputs)
        try PipelineSteps.teacherStage[.teach]!.run(step, context: resumed)
        #expect(try CacheReader(directory: directory + "/cache").record(id: "e3") == first)
    }
}
