import CTKDCore
import CTKDTestSupport
import Testing
@testable import CTKDTokenizers

@Suite struct TokenizerAPITests {
    @Test func tokenBytesFollowTheFormats() throws {
        let gpt2 = try Fixtures.tokenizer("gpt2")
        #expect(gpt2.tokenBytes(try #require(gpt2.tokenID(for: "Ġthe"))) == Array(" the".utf8))
        #expect(gpt2.tokenBytes(try #require(gpt2.tokenID(for: "Ċ"))) == [0x0A])

        let mistral = try Fixtures.tokenizer("mistral_legacy")
        #expect(mistral.tokenBytes(try #require(mistral.tokenID(for: "▁the"))) == Array(" the".utf8))
        #expect(mistral.tokenBytes(try #require(mistral.tokenID(for: "<0x41>"))) == [0x41])
        #expect(mistral.tokenBytes(try #require(mistral.tokenID(for: "<s>"))) == [])
        #expect(mistral.vocabularyBytes.count == mistral.vocabularySize)
    }

    @Test func specialTokenIDs() throws {
        let mistral = try Fixtures.tokenizer("mistral_legacy")
        #expect(mistral.bosTokenID == 1 && mistral.eosTokenID == 2 && mistral.unknownTokenID == 0)
        let encoding = mistral.encode("Hi", addSpecialTokens: true)
        #expect(encoding.ids.first == 1 && encoding.offsets.first == 0..<0)

        let trained = try Fixtures.tokenizer("trained_bytelevel_1000")
        #expect(trained.eosTokenID == 0 && trained.tokenID(for: "<|endoftext|>") == 0 && trained.isSpecial(0))
        let withSpecial = trained.encode("a<|endoftext|>b")
        #expect(withSpecial.ids.contains(0) && withSpecial.offsets[withSpecial.ids.firstIndex(of: 0)!] == 1..<14)
    }

    @Test func sentencePiecePrependedSpaceIsNotInTheOffsets() throws {
        let mistral = try Fixtures.tokenizer("mistral_legacy")
        let input = Array("Hello world".utf8)
        let encoding = mistral.encode(bytes: input)
        // The first token is "▁H…": its bytes start with a space that the input does not have.
        #expect(encoding.offsets.first?.lowerBound == 0 && encoding.offsets.last?.upperBound == input.count)
        #expect(mistral.tokenBytes(encoding.ids[0]) == [0x20] + input[encoding.offsets[0]])
        #expect(mistral.tokenBytes(encoding.ids[2]) == Array(input[encoding.offsets[2]]))
        #expect(mistral.decode(encoding.ids) == "Hello world")
    }

    @Test func decodeStreamMatchesDecode() throws {
        for name in ["gpt2", "mistral_legacy", "trained_sentencepiece_1000"] {
            let tokenizer = try Fixtures.tokenizer(name)
            for document in Fixtures.documents.prefix(40) {
                let ids = tokenizer.encode(bytes: document).ids
                var stream = DecodeStream(tokenizer: tokenizer)
                var text = ""
                for id in ids { text += stream.step(id) ?? "" }
                #expect(text == tokenizer.decode(ids), "\(name)")
            }
        }
    }

    @Test func savedTokenizerEncodesIdentically() throws {
        let directory = try TestSupport.temporaryDirectory()
        for name in ["anthropic", "mistral_metaspace", "gpt2"] {
            let tokenizer = try Fixtures.tokenizer(name)
            let path = directory + "/\(name).json"
            try tokenizer.save(to: path)
            let reloaded = try Tokenizer(contentsOf: path)
            #expect(reloaded.model.tokens == tokenizer.model.tokens)
            #expect(Fixtures.documents.allSatisfy { reloaded.encode(bytes: $0) == tokenizer.encode(bytes: $0) })
        }
    }

    @Test func badFilesNameTheField() throws {
        let directory = try TestSupport.temporaryDirectory()
        let cases: [(String, String)] = [
            (#"{"model": {"type": "Unigram", "vocab": []}}"#, "model.type"),
            (#"{"model": {"vocab": {"a": 0}, "merges": ["a b"]}}"#, "model.merges[0]"),
            (#"{"model": {"vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "\\w+"}, "behavior": "Isolated"}}"#, "pre_tokenizer.pattern.Regex"),
            (#"{"model": {"vocab": {"a": 0}, "merges": []}, "normalizer": {"type": "Precompiled"}}"#, "normalizer.type"),
        ]
        for (json, field) in cases {
            let path = directory + "/bad.json"
            try AtomicFile.write(json, to: path)
            #expect { try Tokenizer(contentsOf: path) } throws: { error in
                let e = error as? CTKDError
                return e?.file == path && e?.field == field
            }
        }
        try AtomicFile.write("{\"model\": ", to: directory + "/truncated.json")
        #expect(throws: CTKDError.self) { try Tokenizer(contentsOf: directory + "/truncated.json") }
    }

    @Test func jsonParserRoundTrips() throws {
        let text = #"{"a": [1, -2.5, true, null, "x\"\u00e9\ud83d\ude00\n"], "b": {}}"#
        let value = try JSONValue(parsing: Array(text.utf8))
        #expect(value["a"]?.arrayValue?[4].stringValue == "x\"é😀\n")
        #expect(try JSONValue(parsing: JSONWriter.serialize(value)) == value)
    }
}
