import Foundation
import Testing
import CTKDCore
import CTKDCache
import CTKDTokenizers
import CTKDTestSupport
@testable import CTKDStages

/// The teacher stage over a real tokenizer.json (CTKDTokenizers, trained here on a small corpus)
/// and a toy teacher over that vocabulary: spans, token order and metadata come from the file.
@Suite struct TeachStageTokenizerTests {
    static func trainedTokenizer(_ directory: String) throws -> String {
        let corpus = directory + "/corpus.txt"
        var text = ""
        for index in 0..<200 {
            text += "The answer to question \(index) is in the text, of course: \(index * 37 % 101). Naïve café – ok.\n"
        }
        try AtomicFile.write(text, to: corpus)
        let tokenizer = try BPETrainer(recipe: .byteLevel, vocabularySize: 400).train(files: [corpus])
        let path = directory + "/tokenizer.json"
        try tokenizer.save(to: path)
        return path
    }

    @Test func teachOverATokenizerFileStoresItsSpans() throws {
        let directory = try TestSupport.temporaryDirectory()
        let tokenizer = try HuggingFaceTeacherTokenizer(path: try TeachStageTokenizerTests.trainedTokenizer(directory))
        let teacher = ToyTeacher(tokens: tokenizer.vocabularyBytes(), kind: .hashed(seed: 5, scale: 2), name: "hashed-over-bpe")
        let data = directory + "/data.jsonl"
        let responses = [" Paris, of course.", " naïve café – 42", " The answer is 7."]
        try AtomicFile.write(responses.enumerated().map { index, response in
            #"{"id": "e\#(index)", "prompt": "Question \#(index): where?", "response": "\#(response)"}"#
        }.joined(separator: "\n") + "\n", to: data)
        var configuration = TeachConfiguration(dataPath: data, outputDirectory: directory + "/cache")
        configuration.topK = 16
        configuration.sampledCount = 8
        configuration.byteDistributions = true
        let summary = try TeachStage.run(configuration, teacher: teacher, tokenizer: tokenizer, showProgress: false)
        #expect(summary.examplesWritten == 3)
        let reader = try CacheReader(directory: directory + "/cache")
        #expect(reader.metadata["tokenizer_sha256"] == tokenizer.identity)
        #expect(reader.metadata["end_of_sequence"] == tokenizer.endOfSequence.map { String($0) } ?? "none")
        for (index, response) in responses.enumerated() {
            let record = try #require(try reader.record(id: "e\(index)"))
            let encoding = tokenizer.tokenizer.encode(response)
            #expect(Array(record.tokens.ids.prefix(encoding.count)) == encoding.ids.map { Int32($0) })
            #expect(Array(record.tokens.byteEnds.prefix(encoding.count)) == encoding.offsets.map { Int32($0.upperBound) })
            #expect(record.bytes?.count == response.utf8.count + 1)
        }
        #expect(CacheVerifier.verify(directory: directory + "/cache").isValid)
    }
}
