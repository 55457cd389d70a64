import Testing
import Foundation
import CTKDCore
import CTKDTestSupport

/// A tiny pipeline (demo data, a byte-level BPE, a teacher trained for a few steps, an evaluation
/// and the report): small enough for a test, with every stage this module wires.
enum TinyPipeline {
    static func write(to directory: String, evaluations: Bool = true, test: Int = 60) throws -> String {
        var text = """
            name: tiny
            output: out
            seed: 3
            data:
              demo: {train: 160, validation: 10, test: \(test)}
            tokenizers:
              bpe: {train: {vocab_size: 300}}
            teacher:
              tokenizer: bpe
              model: {architecture: gpt2, layers: 2, d_model: 64, heads: 4, context_length: 256}
              steps: 16
              batch_size: 4
              learning_rate: 0.003

            """
        if evaluations { text += "evaluations:\n  - {split: test, sample: 40, max_new_tokens: 12, bootstrap: 200}\n" }
        let path = directory + "/tiny.yaml"
        try AtomicFile.write(text, to: path)
        return path
    }
}

/// `ctkd eval` as a user runs it: resume after kill -9, scores equal to `ctkd score`, errors.
@Suite(.serialized) struct EvalCLITests {
    /// Data, tokenizer and a (barely) trained model from the tiny pipeline without evaluations.
    static let prepared: Result<String, any Error> = Result {
        let work = try TestSupport.temporaryDirectory("ctkd-eval")
        let result = try TestSupport.runCTKD(["run", try TinyPipeline.write(to: work, evaluations: false, test: 120)])
        guard result.exitCode == 0 else { throw CTKDError("tiny pipeline failed: \(result.stderr)") }
        return work + "/out"
    }

    func arguments(_ out: String, data: String? = nil) throws -> [String] {
        let run = try Self.prepared.get()
        return ["eval", "--model", run + "/teacher/model", "--tokenizer", run + "/tokenizers/bpe/tokenizer.json",
                "--data", data ?? run + "/data/test.jsonl", "--out", out, "--max-new-tokens", "24", "--batch", "4",
                "--resamples", "200"]
    }

    func storedCount(_ out: String) -> Int {
        guard FileIO.exists(out + "/predictions.sqlite"),
              let database = try? SQLiteDatabase(path: out + "/predictions.sqlite", mode: .readOnly),
              let count = try? database.scalar("SELECT count(*) FROM predictions")?.integer else { return 0 }
        return Int(count)
    }

    /// Acceptance: killed with SIGKILL part-way (some batches committed), the same command
    /// continues, generates only the missing examples, and ends with the predictions and scores of
    /// an uninterrupted run.
    @Test func killedEvaluationResumesToTheSamePredictions() throws {
        let work = try TestSupport.temporaryDirectory("ctkd-eval-kill")
        let straight = work + "/straight", killed = work + "/killed"
        let reference = try TestSupport.runCTKD(try arguments(straight))
        #expect(reference.exitCode == 0, "\(reference.stderr)")
        #expect(reference.stderr.contains("examples") && reference.stderr.contains("tok/s"))  // the progress line

        var random = SystemRandomNumberGenerator()
        let killAfter = Int.random(in: 4...80, using: &random)
        let process = try TestSupport.startCTKD(try arguments(killed))
        while process.isRunning && storedCount(killed) < killAfter { usleep(1000) }
        process.kill(signal: SIGKILL)
        let interrupted = process.wait()
        try #require(interrupted.signaled, "the evaluation finished before it could be killed after \(killAfter) examples")
        let before = storedCount(killed)
        #expect(before > 0 && before < 120 && before % 4 == 0, "whole batches are committed: \(before)")

        let resumed = try TestSupport.runCTKD(try arguments(killed))
        #expect(resumed.exitCode == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("(\(120 - before) generated now)"), "\(resumed.stderr)")
        for file in ["predictions.jsonl", "scores.json", "scores.qa.json", "scores.qa.jsonl", "scores.summary.json",
                     "scores.summary.jsonl"] {
            #expect(try FileIO.read(killed + "/" + file) == FileIO.read(straight + "/" + file), "\(file) differs")
        }
        #expect(resumed.stdout == reference.stdout)
        // A finished evaluation reruns without generating anything.
        let again = try TestSupport.runCTKD(try arguments(killed))
        #expect(again.stderr.contains("(0 generated now)"))
    }

    /// The scores are `ctkd score`'s on the written predictions, byte for byte.
    @Test func scoresMatchCtkdScore() throws {
        let out = try TestSupport.temporaryDirectory("ctkd-eval-score") + "/eval"
        let result = try TestSupport.runCTKD(try arguments(out))
        try #require(result.exitCode == 0, "\(result.stderr)")
        for (group, metrics) in [("qa", "squad"), ("summary", "rouge")] {
            let score = try TestSupport.runCTKD(["score", out + "/predictions.\(group).jsonl", "--metrics", metrics,
                                                 "--resamples", "200", "--per-example", out + "/check.jsonl",
                                                 "--json", out + "/check.json"])
            #expect(score.exitCode == 0, "\(score.stderr)")
            #expect(try FileIO.read(out + "/check.jsonl") == FileIO.read(out + "/scores.\(group).jsonl"))
            #expect(try FileIO.read(out + "/check.json") == FileIO.read(out + "/scores.\(group).json"))
            #expect(result.stdout.contains(score.stdout))
        }
        let lines = try FileIO.readText(out + "/predictions.jsonl").split(separator: "\n")
        #expect(lines.count == 120)
    }

    /// Bad data is refused before any generation, naming the file and line.
    @Test func badDataNamesFileAndLine() throws {
        let work = try TestSupport.temporaryDirectory("ctkd-eval-bad")
        let data = work + "/bad.jsonl"
        try AtomicFile.write("""
            {"id": "a", "prompt": "Q: x?\\nA:", "references": ["x"], "task": "qa"}
            {"id": "b", "prompt": "Q: y?\\nA:", "task": "qa"}

            """, to: data)
        let result = try TestSupport.runCTKD(try arguments(work + "/out", data: data))
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("bad.jsonl:2"), "\(result.stderr)")
        #expect(result.stderr.contains("references"))
        #expect(!FileIO.exists(work + "/out/predictions.sqlite"))
        try AtomicFile.write("{\"id\": \"a\", \"prompt\": 3}\n", to: data)
        let typed = try TestSupport.runCTKD(try arguments(work + "/out", data: data))
        #expect(typed.exitCode == 1 && typed.stderr.contains("bad.jsonl:1"), "\(typed.stderr)")
    }
}
