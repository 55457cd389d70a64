import CTKDCore
import CTKDTestSupport
import Foundation
import Testing

/// `ctkd tokenizer …` end to end: the built binary, its files, exit codes and messages.
@Suite struct TokenizerCLITests {
    static let fixtures = TestSupport.fixture("tokenizers")

    @Test func trainWritesHuggingFacesTokenizer() throws {
        let directory = try TestSupport.temporaryDirectory()
        let out = directory + "/tokenizer.json"
        let result = try TestSupport.runCTKD(["tokenizer", "train", "--corpus", Self.fixtures + "/botchan.txt",
                                              "--vocab-size", "1000", "--out", out])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("1000 tokens"))
        // Same vocabulary and merges as HF's trainer (the fixture is HF's tokenizer.json).
        let ours = try JSONSerialization.jsonObject(with: Data(try FileIO.read(out))) as! [String: Any]
        let theirs = try JSONSerialization.jsonObject(
            with: Data(try FileIO.read(Self.fixtures + "/trained_bytelevel_1000/tokenizer.json"))) as! [String: Any]
        let model = ours["model"] as! [String: Any], reference = theirs["model"] as! [String: Any]
        #expect(model["vocab"] as! [String: Int] == reference["vocab"] as! [String: Int])
        #expect((model["merges"] as! [[String]]) == (reference["merges"] as! [[String]]))
    }

    @Test func encodeWritesOneLinePerInputLineAndDecodeInverts() throws {
        let directory = try TestSupport.temporaryDirectory()
        let input = directory + "/in.txt"
        let text = "Hello world\n\n  two  spaces\r\nnaïve 日本 🙂\nno newline at end"
        try AtomicFile.write(text, to: input)
        let tokenizer = Self.fixtures + "/mistral_legacy/tokenizer.json"
        let encoded = directory + "/ids.jsonl"
        var result = try TestSupport.runCTKD(["tokenizer", "encode", "--tokenizer", tokenizer, "--input", input,
                                              "--output", encoded])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let lines = String(decoding: try FileIO.read(encoded), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 5)
        // Offsets tile each line (the line without its "\n", "\r" included).
        let inputLines = Array(text.utf8).split(separator: 0x0A, omittingEmptySubsequences: false)  // bytes: "\r\n" is one Character
        for (line, source) in zip(lines, inputLines) {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: [Any]]
            let offsets = object["offsets"] as! [[Int]]
            #expect(offsets.first?.first ?? 0 == 0)
            #expect(offsets.last?.last ?? 0 == source.count)
            #expect((object["ids"] as! [Int]).count == offsets.count)
        }
        result = try TestSupport.runCTKD(["tokenizer", "decode", "--tokenizer", tokenizer, "--input", encoded, "--format", "text"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout == text + "\n")
    }

    @Test func badInputFailsWithTheFileNamed() throws {
        let directory = try TestSupport.temporaryDirectory()
        let ids = directory + "/ids.jsonl"
        try AtomicFile.write("{\"ids\": [1, 2]}\n{\"ids\": [1, 99999999]}\n", to: ids)
        let result = try TestSupport.runCTKD(["tokenizer", "decode", "--tokenizer", Self.fixtures + "/gpt2/encoder.json",
                                              "--input", ids])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("encoder.json"))

        let decode = try TestSupport.runCTKD(["tokenizer", "decode", "--tokenizer",
                                              Self.fixtures + "/trained_bytelevel_1000/tokenizer.json", "--input", ids])
        #expect(decode.exitCode == 1)
        #expect(decode.stderr.contains("ids.jsonl:2: field \"ids[1]\""), "\(decode.stderr)")

        let missing = try TestSupport.runCTKD(["tokenizer", "train", "--corpus", directory + "/none.txt",
                                               "--vocab-size", "300", "--out", directory + "/t.json"])
        #expect(missing.exitCode == 1 && missing.stderr.contains("none.txt"))
        #expect(!FileIO.exists(directory + "/t.json"))
    }

    @Test func importGPT2MatchesTheLibrary() throws {
        let directory = try TestSupport.temporaryDirectory()
        let out = directory + "/gpt2.json"
        let result = try TestSupport.runCTKD(["tokenizer", "import-gpt2", "--encoder", Self.fixtures + "/gpt2/encoder.json",
                                              "--merges", Self.fixtures + "/gpt2/vocab.bpe", "--out", out])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let input = directory + "/in.txt"
        try AtomicFile.write("It's a test: 1234 ünïcode\n", to: input)
        let encoded = try TestSupport.runCTKD(["tokenizer", "encode", "--tokenizer", out, "--input", input,
                                               "--offsets", "huggingface"])
        #expect(encoded.exitCode == 0)
        #expect(encoded.stdout.hasPrefix("{\"ids\": ["))
    }
}
