import CTKDCore
import CTKDTestSupport
import Testing
@testable import CTKDTokenizers

/// ctkd's trainer against HF's `BpeTrainer` on botchan.txt (fixtures from make_fixtures.py).
@Suite struct TrainerTests {
    static let cases: [(String, TrainingRecipe, Int)] = [
        ("trained_bytelevel_1000", .byteLevel, 1000), ("trained_bytelevel_4000", .byteLevel, 4000),
        ("trained_llama3_2000", .llama3, 2000), ("trained_sentencepiece_1000", .sentencePiece, 1000),
    ]

    @Test(arguments: cases.map(\.0))
    func learnsTheSameMergesAsHuggingFace(_ name: String) throws {
        let (_, recipe, size) = Self.cases.first { $0.0 == name }!
        let trained = try BPETrainer(recipe: recipe, vocabularySize: size)
            .train(files: [TestSupport.fixture("tokenizers/botchan.txt")])
        // HF's trained tokenizer.json holds its merges in order, as [left, right] pairs.
        let reference = try Fixtures.tokenizer(name)
        let expectedMerges = reference.model.mergeList.map { "\(reference.model.tokens[$0.left]!) \(reference.model.tokens[$0.right]!)" }
        let merges = trained.model.mergeList.map { "\(trained.model.tokens[$0.left]!) \(trained.model.tokens[$0.right]!)" }
        #expect(merges.count == expectedMerges.count)
        let firstDifference = zip(merges, expectedMerges).enumerated().first { $1.0 != $1.1 }
        #expect(firstDifference == nil, "first different merge: \(String(describing: firstDifference))")

        // The whole vocabulary (ids included) and the pipeline match HF's tokenizer.json.
        #expect(trained.model.tokens == reference.model.tokens)
        #expect(trained.addedTokens == reference.addedTokens)
        #expect(trained.pipelineJSON.normalizer == reference.pipelineJSON.normalizer)
        #expect(trained.pipelineJSON.preTokenizer == reference.pipelineJSON.preTokenizer)
        #expect(trained.pipelineJSON.decoder == reference.pipelineJSON.decoder)
        #expect(trained.model.ignoreMerges == reference.model.ignoreMerges)
        #expect(trained.model.byteFallback == reference.model.byteFallback)
        #expect(trained.bosTokenID == reference.bosTokenID && trained.eosTokenID == reference.eosTokenID)
    }
}
