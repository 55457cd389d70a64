import Foundation
import Testing
import CTKDCore
import CTKDTestSupport

/// `ctkd teach --model` end to end on a tiny real model: a 2-layer GPT-2 made by `ctkd train`
/// (two steps from its random initialisation) over a byte-level BPE tokenizer trained by
/// `ctkd tokenizer train`, both here. Acceptance 3 (kill -9 and resume) and 4 (two shard
/// processes) of issue 6 on the engine path, with byte distributions (the beam's branch
/// evaluations are KV-cached decode steps of the model).
@Suite(.serialized) struct TeachModelCommandTests {
    static let exampleCount = 24

    /// Writes data.jsonl, tokenizer.json and a model directory; returns (data, tokenizer, model).
    static func makeTeacher(_ directory: String) throws -> (String, String, String) {
        let data = try CacheCommandTests.writeData(directory, count: exampleCount)
        var corpus = ""
        for index in 0..<100 { corpus += "The answer to question \(index) is in the text, of course: \(index * 37 % 101). Where is it?\n" }
        try AtomicFile.write(corpus, to: directory + "/corpus.txt")
        let tokenizer = directory + "/tokenizer.json"
        let trained = try TestSupport.runCTKD(["tokenizer", "train", "--corpus", directory + "/corpus.txt", "--vocab-size", "300",
                                               "--out", tokenizer])
        try #require(trained.exitCode == 0, "\(trained.stderr)")
        var random = SeededRandom(seed: 3)
        let ids = (0..<8).map { _ in #"{"ids": ["# + (0..<40).map { _ in String(random.nextInt(below: 300)) }.joined(separator: ", ") + "]}" }
        try AtomicFile.write(ids.joined(separator: "\n") + "\n", to: directory + "/ids.jsonl")
        let run = try TestSupport.runCTKD(["train", "--data", directory + "/ids.jsonl", "--out", directory + "/run",
                                           "--layers", "2", "--dim", "32", "--heads", "4", "--vocab-size", "300", "--context", "128",
                                           "--seq-len", "32", "--batch-size", "2", "--steps", "2", "--warmup", "0", "--lr", "1e-2"])
        try #require(run.exitCode == 0, "\(run.stderr)")
        return (data, tokenizer, directory + "/run/model")
    }

    static func teach(_ teacher: (String, String, String), _ out: String, _ extra: [String] = []) -> [String] {
        ["teach", "--model", teacher.2, "--tokenizer", teacher.1, "--data", teacher.0, "--out", out, "--top-k", "16",
         "--sampled", "20", "--byte-dist", "--batch-size", "2"] + extra
    }

    @Test func killedAndResumedRunEqualsUninterruptedRun() throws {
        let directory = try TestSupport.temporaryDirectory()
        let teacher = try TeachModelCommandTests.makeTeacher(directory)
        let reference = directory + "/reference"
        let clean = try TestSupport.runCTKD(TeachModelCommandTests.teach(teacher, reference))
        #expect(clean.exitCode == 0, "\(clean.stderr)")
        #expect(clean.stdout.contains("wrote \(TeachModelCommandTests.exampleCount) examples"))

        let resumed = directory + "/resumed"
        var random = SeededRandom(seed: 7)
        var kills = 0
        while true {
            let process = try TestSupport.startCTKD(TeachModelCommandTests.teach(teacher, resumed, ["--delay-ms", "40"]))
            guard kills < 12 else {
                let result = process.wait()
                #expect(result.exitCode == 0, "\(result.stderr)")
                break
            }
            usleep(UInt32(20_000 + random.nextInt(below: 180_000)))
            process.kill(signal: SIGKILL)
            let result = process.wait()
            if result.signaled { kills += 1; continue }
            #expect(result.exitCode == 0, "\(result.stderr)")
            break
        }
        #expect(kills >= 10)
        let verify = try TestSupport.runCTKD(["cache", "verify", resumed])
        #expect(verify.exitCode == 0, "\(verify.stderr)")
        let count = TeachModelCommandTests.exampleCount
        #expect(try CacheCommandTests.showAll(resumed, count: count) == CacheCommandTests.showAll(reference, count: count))
    }

    @Test func twoShardProcessesEqualOneProcess() throws {
        let directory = try TestSupport.temporaryDirectory()
        let teacher = try TeachModelCommandTests.makeTeacher(directory)
        let single = directory + "/single", split = directory + "/split"
        #expect(try TestSupport.runCTKD(TeachModelCommandTests.teach(teacher, single)).exitCode == 0)
        let first = try TestSupport.startCTKD(TeachModelCommandTests.teach(teacher, split, ["--shard", "0/2"]))
        let second = try TestSupport.startCTKD(TeachModelCommandTests.teach(teacher, split, ["--shard", "1/2"]))
        #expect(first.wait().exitCode == 0)
        #expect(second.wait().exitCode == 0)
        #expect(try TestSupport.runCTKD(["cache", "verify", split]).exitCode == 0)
        let count = TeachModelCommandTests.exampleCount
        // Tokens, top-k and sampled targets are bit-identical. Byte distributions come from branch
        // evaluations batched across the examples of a batch, and OpenBLAS rounds a row differently
        // depending on how many rows share the product, so they agree to float rounding only.
        for (sharded, whole) in zip(try CacheCommandTests.showAll(split, count: count),
                                    try CacheCommandTests.showAll(single, count: count)) {
            var a = try #require(try JSONSerialization.jsonObject(with: Data(sharded.utf8)) as? [String: Any])
            var b = try #require(try JSONSerialization.jsonObject(with: Data(whole.utf8)) as? [String: Any])
            #expect(Self.maximumDifference(a.removeValue(forKey: "byte_distributions"), b.removeValue(forKey: "byte_distributions")) < 1e-5)
            #expect(NSDictionary(dictionary: a).isEqual(to: b))
        }
        // The real model's rows are in the cache: byte distributions and the engine's identity.
        let stats = try TestSupport.runCTKD(["cache", "stats", single, "--json"])
        let values = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        #expect(values["examples"] as? Double == Double(count))
        #expect((values["bytes_per_byte_offset_byte_dist"] as? Double ?? 0) > 0)
    }

    /// The largest absolute difference between the numbers of two JSON values of the same shape
    /// (infinity when the shapes or any non-number differ).
    static func maximumDifference(_ a: Any?, _ b: Any?) -> Double {
        switch (a, b) {
        case let (x as [Any], y as [Any]):
            guard x.count == y.count else { return .infinity }
            return zip(x, y).map { maximumDifference($0, $1) }.max() ?? 0
        case let (x as [String: Any], y as [String: Any]):
            guard Set(x.keys) == Set(y.keys) else { return .infinity }
            return x.keys.map { maximumDifference(x[$0], y[$0]) }.max() ?? 0
        case let (x as NSNumber, y as NSNumber):
            return abs(x.doubleValue - y.doubleValue)
        case let (x as String, y as String):
            return x == y ? 0 : .infinity
        case (nil, nil):
            return 0
        default:
            return .infinity
        }
    }
}
