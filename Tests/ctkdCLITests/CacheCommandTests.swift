import Foundation
import Testing
import CTKDCore
import CTKDTestSupport

/// End-to-end tests of `ctkd teach` and `ctkd cache` on the built binary with the built-in toy
/// teacher (`--toy-teacher`, a test mechanism documented in docs/cache.md).
@Suite(.serialized) struct CacheCommandTests {
    static func writeData(_ directory: String, count: Int = 24) throws -> String {
        let path = directory + "/data.jsonl"
        var lines = ""
        for index in 0..<count {
            let response = "The answer to question \(index) is in the text, of course: \(index * 37 % 101)."
            lines += #"{"id": "q\#(index)", "prompt": "Question \#(index): where is it?", "response": "\#(response)"}"# + "\n"
        }
        try AtomicFile.write(lines, to: path)
        return path
    }

    static func teach(_ data: String, _ out: String, _ extra: [String] = []) -> [String] {
        ["teach", "--data", data, "--out", out, "--toy-teacher", "english:3", "--top-k", "16",
         "--sampled", "20", "--byte-dist", "--batch-size", "2"] + extra
    }

    static func showAll(_ cache: String, count: Int) throws -> [String] {
        try (0..<count).map { index in
            let result = try TestSupport.runCTKD(["cache", "show", cache, "--id", "q\(index)"])
            #expect(result.exitCode == 0, "\(result.stderr)")
            return result.stdout
        }
    }

    @Test func killedAndResumedRunEqualsUninterruptedRun() throws {
        let directory = try TestSupport.temporaryDirectory()
        let data = try CacheCommandTests.writeData(directory)
        let reference = directory + "/reference"
        let clean = try TestSupport.runCTKD(CacheCommandTests.teach(data, reference))
        #expect(clean.exitCode == 0, "\(clean.stderr)")

        let resumed = directory + "/resumed"
        var random = SeededRandom(seed: 99)
        var kills = 0
        while true {
            let process = try TestSupport.startCTKD(CacheCommandTests.teach(data, resumed, ["--delay-ms", "40"]))
            if kills < 12 {
                usleep(UInt32(20_000 + random.nextInt(below: 180_000)))
                process.kill(signal: SIGKILL)
                let result = process.wait()
                if result.signaled { kills += 1; continue }
                #expect(result.exitCode == 0, "\(result.stderr)")
                break
            }
            let result = process.wait()
            #expect(result.exitCode == 0, "\(result.stderr)")
            break
        }
        #expect(kills >= 10)
        let verify = try TestSupport.runCTKD(["cache", "verify", resumed])
        #expect(verify.exitCode == 0, "\(verify.stderr)")
        #expect(try CacheCommandTests.showAll(resumed, count: 24) == CacheCommandTests.showAll(reference, count: 24))
    }

    @Test func twoShardProcessesEqualOneProcess() throws {
        let directory = try TestSupport.temporaryDirectory()
        let data = try CacheCommandTests.writeData(directory, count: 10)
        let single = directory + "/single", split = directory + "/split"
        #expect(try TestSupport.runCTKD(CacheCommandTests.teach(data, single)).exitCode == 0)
        let first = try TestSupport.startCTKD(CacheCommandTests.teach(data, split, ["--shard", "0/2"]))
        let second = try TestSupport.startCTKD(CacheCommandTests.teach(data, split, ["--shard", "1/2"]))
        #expect(first.wait().exitCode == 0)
        #expect(second.wait().exitCode == 0)
        #expect(try TestSupport.runCTKD(["cache", "verify", split]).exitCode == 0)
        #expect(try CacheCommandTests.showAll(split, count: 10) == CacheCommandTests.showAll(single, count: 10))
        // A half-finished split is reported incomplete.
        let partial = directory + "/partial"
        #expect(try TestSupport.runCTKD(CacheCommandTests.teach(data, partial, ["--shard", "1/2"])).exitCode == 0)
        let verify = try TestSupport.runCTKD(["cache", "verify", partial])
        #expect(verify.exitCode != 0)
        #expect(verify.stderr.contains("shard-00000-of-00002.sqlite is missing"))
    }

    @Test func rerunWithDifferentSettingsIsRefusedNamingTheDifference() throws {
        let directory = try TestSupport.temporaryDirectory()
        let data = try CacheCommandTests.writeData(directory, count: 4)
        let cache = directory + "/cache"
        #expect(try TestSupport.runCTKD(CacheCommandTests.teach(data, cache)).exitCode == 0)
        let again = try TestSupport.runCTKD(CacheCommandTests.teach(data, cache))
        #expect(again.exitCode == 0)
        #expect(again.stdout.contains("wrote 0 examples"))
        let otherK = try TestSupport.runCTKD(["teach", "--data", data, "--out", cache, "--toy-teacher", "english:3",
                                              "--top-k", "8", "--sampled", "20", "--byte-dist"])
        #expect(otherK.exitCode == 1)
        #expect(otherK.stderr.contains("top_k: existing \"16\", requested \"8\""))
        let otherTeacher = try TestSupport.runCTKD(["teach", "--data", data, "--out", cache, "--toy-teacher", "english:4",
                                                    "--top-k", "16", "--sampled", "20", "--byte-dist"])
        #expect(otherTeacher.exitCode == 1)
        #expect(otherTeacher.stderr.contains("teacher_config"))
        let split = try TestSupport.runCTKD(CacheCommandTests.teach(data, cache, ["--shard", "0/2"]))
        #expect(split.exitCode == 1)
        #expect(split.stderr.contains("2-way split"))
    }

    @Test func corruptedByteIsReportedByVerify() throws {
        let directory = try TestSupport.temporaryDirectory()
        let data = try CacheCommandTests.writeData(directory, count: 3)
        let cache = directory + "/cache"
        #expect(try TestSupport.runCTKD(CacheCommandTests.teach(data, cache)).exitCode == 0)
        let shard = cache + "/shard-00000-of-00001.sqlite"
        let original = try FileIO.read(shard)
        // Flip one byte inside a stored response text, and inside each stored blob of one row
        // (found in the file by content): verify must report every one.
        func offset(of needle: [UInt8]) throws -> Int {
            try #require((0..<(original.count - needle.count)).first { Array(original[$0..<($0 + needle.count)]) == needle })
        }
        var targets = [try offset(of: Array("of course: 74".utf8)) + 3]
        let database = try SQLiteDatabase(path: shard, mode: .readOnly)
        let row = try database.prepare("SELECT tokens, top_k, sampled, byte_dist FROM examples WHERE id = 'q1'").rows()[0]
        for value in row {
            let blob = try #require(value.blob)
            targets.append(try offset(of: Array(blob.prefix(24))) + blob.count / 2)
        }
        for target in targets {
            var damaged = original
            damaged[target] ^= 0x5A
            try AtomicFile.write(damaged, to: shard)
            let verify = try TestSupport.runCTKD(["cache", "verify", cache])
            #expect(verify.exitCode == 1, "offset \(target): \(verify.stdout)")
            #expect(verify.stderr.contains("problem:"))
            let show = try TestSupport.runCTKD(["cache", "show", cache, "--id", "q1"])
            let reference = try TestSupport.runCTKD(["cache", "show", cache, "--id", "q0"])
            // A reader either fails or returns the undamaged content, never altered data.
            #expect(show.exitCode != 0 || reference.exitCode != 0 || !show.stdout.isEmpty)
        }
        try AtomicFile.write(original, to: shard)
        #expect(try TestSupport.runCTKD(["cache", "verify", cache]).exitCode == 0)
    }
}

#if canImport(Glibc)
import Glibc
#endif
