import CTKDTestSupport
import Foundation
import Testing
@testable import CTKDCore

@Suite struct DataCommandTests {
    @Test func importWritesTheNormalisedFile() throws {
        let out = try TestSupport.temporaryDirectory("ctkd-cli") + "/squad.jsonl"
        let result = try TestSupport.runCTKD(["data", "import", "--format", "squad",
                                              TestSupport.fixture("data/squad-dev-v1.1.slice.json"), "--out", out])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(try FileIO.read(out) == (try FileIO.read(TestSupport.fixture("data/squad-dev-v1.1.slice.expected.jsonl"))))
        #expect(result.stdout.contains("examples              44 (qa 44)"))
    }

    @Test func importErrorsNameTheLineAndExitNonZero() throws {
        let directory = try TestSupport.temporaryDirectory("ctkd-cli")
        try AtomicFile.write("{\"fname\": \"a\", \"dialogue\": \"d\", \"summary\": \"s\"}\n{\"fname\": 3}\n", to: directory + "/in.jsonl")
        let result = try TestSupport.runCTKD(["data", "import", "--format", "dialogsum", directory + "/in.jsonl", "--out", directory + "/out.jsonl"])
        #expect(result.exitCode == 1)
        #expect(result.stderr == "error: \(directory)/in.jsonl:2: field \"fname\": expected a string\n")
        #expect(!FileIO.exists(directory + "/out.jsonl"))
    }

    @Test func importMapsGenericFieldsAndSamples() throws {
        let directory = try TestSupport.temporaryDirectory("ctkd-cli")
        let lines = (0..<20).map { "{\"key\": \"k\($0)\", \"q\": \"question \($0)\", \"a\": [\"answer \($0)\"]}" }
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: directory + "/in.jsonl")
        let result = try TestSupport.runCTKD([
            "data", "import", "--format", "jsonl", directory + "/in.jsonl", "--out", directory + "/out.jsonl",
            "--id-field", "key", "--template", #"Q: {q}\nA:"#, "--response-field", "a", "--references-field", "a",
            "--task", "qa", "--sample", "5"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let out = try FileIO.readText(directory + "/out.jsonl").split(separator: "\n")
        #expect(out.count == 5)
        #expect(out.allSatisfy { $0.contains(#""prompt":"Q: question "#) && $0.contains(#"\nA:","response":" answer "#)
                                 && $0.hasSuffix(#""task":"qa"}"#) })
    }

    @Test func splitWritesOneFilePerSplit() throws {
        let directory = try TestSupport.temporaryDirectory("ctkd-cli")
        let result = try TestSupport.runCTKD(["data", "split", TestSupport.fixture("data/squad-dev-v1.1.slice.expected.jsonl"),
                                              "--out", directory, "--fractions", "train=0.5,test=0.5"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let train = try FileIO.readText(directory + "/train.jsonl").split(separator: "\n").count
        let test = try FileIO.readText(directory + "/test.jsonl").split(separator: "\n").count
        #expect(train + test == 44)
        #expect(result.stdout == "train: \(train) examples → \(directory)/train.jsonl\ntest: \(test) examples → \(directory)/test.jsonl\n")
        let bad = try TestSupport.runCTKD(["data", "split", directory + "/train.jsonl", "--out", directory, "--fractions", "a=0.5"])
        #expect(bad.exitCode == 1)
        #expect(bad.stderr == "error: split fractions sum to 0.5, not 1\n")
    }

    @Test func demoIsDeterministicAndSurvivesKill9() throws {
        let arguments = ["data", "demo", "--seed", "11", "--train", "30000", "--validation", "50", "--test", "50"]
        let reference = try TestSupport.temporaryDirectory("ctkd-cli")
        #expect(try TestSupport.runCTKD(arguments + ["--out", reference]).exitCode == 0)
        #expect(try FileIO.list(reference) == ["dataset.json", "test.jsonl", "train.jsonl", "validation.jsonl"])

        let interrupted = try TestSupport.temporaryDirectory("ctkd-cli")
        let process = try TestSupport.startCTKD(arguments + ["--out", interrupted])
        usleep(900_000)
        process.kill()
        _ = process.wait()
        // Whatever the kill left, a file under its final name is complete.
        for name in try FileIO.list(interrupted) where name.hasSuffix(".jsonl") && !name.contains(".tmp-") {
            #expect(try FileIO.read(interrupted + "/" + name) == (try FileIO.read(reference + "/" + name)))
        }
        #expect(try TestSupport.runCTKD(arguments + ["--out", interrupted]).exitCode == 0)
        for name in ["train.jsonl", "validation.jsonl", "test.jsonl", "dataset.json"] {
            #expect(try FileIO.read(interrupted + "/" + name) == (try FileIO.read(reference + "/" + name)))
        }
    }

    @Test func statsDescribesFiles() throws {
        let result = try TestSupport.runCTKD(["data", "stats", TestSupport.fixture("data/squad-dev-v1.1.slice.expected.jsonl")])
        #expect(result.exitCode == 0)
        #expect(result.stdout == TestSupport.fixture("data/squad-dev-v1.1.slice.expected.jsonl") + """

              examples              44 (qa 44)
              prompt words          min 118, mean 150.6, max 301
              response words        min 1, mean 2.1, max 3
              references            min 3, mean 3.4, max 5
              vocabulary            329 words

            """)
    }
}
