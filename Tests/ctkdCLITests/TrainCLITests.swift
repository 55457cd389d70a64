import Testing
import Foundation
import CTKDCore
import CTKDTestSupport

/// `ctkd train`, `ctkd generate` and `ctkd model forward` as a user runs them.
@Suite(.serialized) struct TrainCLITests {
    /// The small text as byte-level documents, one per paragraph, in the JSONL `ctkd tokenizer encode` writes.
    func byteDocuments(in directory: String) throws -> String {
        let text = try FileIO.readText(TestSupport.fixture("models/small_text.txt"))
        let lines = text.split(separator: "\n").map { "{\"ids\": [\($0.utf8.map { "\($0)" }.joined(separator: ","))]}" }
        let path = directory + "/train.jsonl"
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: path)
        return path
    }

    func trainArguments(data: String, out: String) -> [String] {
        ["train", "--data", data, "--out", out, "--architecture", "llama", "--layers", "2", "--dim", "64", "--heads", "4",
         "--kv-heads", "2", "--vocab-size", "256", "--seq-len", "64", "--batch-size", "8", "--steps", "40", "--warmup", "4",
         "--lr", "3e-3", "--checkpoint-every", "2", "--seed", "5"]
    }

    func lossLog(_ directory: String) throws -> [String] {
        try FileIO.readText(directory + "/metrics.jsonl").split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            #expect(Set(["step", "loss", "lr", "tokens_per_second", "elapsed_seconds", "ce", "grad_norm"]).isSubset(of: object.keys))
            return "\(object["step"]!) \(object["loss"]!) \(object["lr"]!) \(object["grad_norm"]!)"
        }
    }

    /// Acceptance: SIGKILL at a random step, rerun the same command, and the final weights are
    /// byte-identical to an uninterrupted run's, with the same loss log.
    @Test func killedTrainingResumesToByteIdenticalWeights() throws {
        let work = try TestSupport.temporaryDirectory("ctkd-kill")
        let data = try byteDocuments(in: work)
        let straight = work + "/straight", killed = work + "/killed"
        let reference = try TestSupport.runCTKD(trainArguments(data: data, out: straight))
        #expect(reference.exitCode == 0, "\(reference.stderr)")

        var random = SystemRandomNumberGenerator()
        let killAt = Int.random(in: 3...30, using: &random)
        let process = try TestSupport.startCTKD(trainArguments(data: data, out: killed))
        let metrics = killed + "/metrics.jsonl"
        while process.isRunning {
            let lines = (try? FileIO.read(metrics))?.filter { $0 == 0x0A }.count ?? 0
            if lines >= killAt { break }
            usleep(500)
        }
        process.kill(signal: SIGKILL)
        let interrupted = process.wait()
        try #require(interrupted.signaled, "the run finished before it could be killed at step \(killAt)")

        let resumed = try TestSupport.runCTKD(trainArguments(data: data, out: killed))
        #expect(resumed.exitCode == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resumed at step"))
        #expect(try FileIO.read(killed + "/model/model.safetensors") == FileIO.read(straight + "/model/model.safetensors"))
        #expect(try lossLog(killed) == lossLog(straight))
        #expect(try lossLog(straight).count == 40)
        // The progress line names step, loss, tokens/s and ETA.
        #expect(reference.stderr.contains("steps") && reference.stderr.contains("loss") && reference.stderr.contains("tok/s"))
    }

    @Test func supervisedFineTuningFromAModelDirectoryThenGenerate() throws {
        let work = try TestSupport.temporaryDirectory("ctkd-sft")
        let data = work + "/sft.jsonl"
        try AtomicFile.write((0..<12).map { i in "{\"prompt_ids\": [\(i % 5 + 1), 7], \"response_ids\": [\(i % 5 + 10), \(i % 5 + 20), 2]}" }
            .joined(separator: "\n") + "\n", to: data)
        let model = TestSupport.fixture("models/llama")
        let run = try TestSupport.runCTKD(["train", "--model", model, "--data", data, "--out", work + "/run", "--steps", "30",
                                           "--batch-size", "4", "--seq-len", "8", "--warmup", "2", "--lr", "1e-2"])
        #expect(run.exitCode == 0, "\(run.stderr)")
        let losses = try FileIO.readText(work + "/run/metrics.jsonl").split(separator: "\n").map { line in
            (try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any])["loss"] as! Double
        }
        #expect(losses.last! < 0.5 * losses.first!)
        // The fine-tuned model answers the prompts it learned, greedily: prompt [3, 7] → [12, 22, 2].
        let generated = try TestSupport.runCTKD(["generate", "--model", work + "/run/model", "--ids", "3,7", "--ids", "1,7",
                                                 "--max-new-tokens", "3", "--stop-id", "2"])
        #expect(generated.exitCode == 0, "\(generated.stderr)")
        let lines = generated.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.count == 2)
        #expect(lines[0]["ids"] as? [Int] == [12, 22] && lines[0]["finish_reason"] as? String == "stop_token")
        #expect(lines[1]["ids"] as? [Int] == [10, 20] && (lines[1]["logprobs"] as? [Double])?.count == 2)
    }

    @Test func modelForwardPrintsTheFixtureLogits() throws {
        for kind in ["gpt2", "llama"] {
            let directory = TestSupport.fixture("models/" + kind)
            let expected = try JSONSerialization.jsonObject(with: Data(FileIO.read(directory + "/expected.json"))) as! [String: Any]
            let ids = (expected["input_ids"] as! [[Int]])[0]
            let result = try TestSupport.runCTKD(["model", "forward", "--model", directory, "--ids", ids.map(String.init).joined(separator: ",")])
            #expect(result.exitCode == 0, "\(result.stderr)")
            let printed = (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any])["logits"] as! [[Double]]
            let want = (expected["logits"] as! [[[Double]]])[0]
            #expect(printed.count == ids.count)
            let difference = zip(printed.joined(), want.joined()).map { abs($0 - $1) }.max()!
            #expect(difference < 1e-4)
        }
    }

    @Test func badInputIsAClearErrorNamingFileAndLine() throws {
        let work = try TestSupport.temporaryDirectory("ctkd-bad")
        let data = work + "/bad.jsonl"
        try AtomicFile.write("{\"ids\": [1, 2, 3]}\n{\"text\": \"untokenized\"}\n", to: data)
        let result = try TestSupport.runCTKD(["train", "--data", data, "--out", work + "/run", "--layers", "1", "--dim", "8", "--heads", "2"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("bad.jsonl:2:") && result.stderr.contains("--tokenizer"))
        let missing = try TestSupport.runCTKD(["model", "forward", "--model", work, "--ids", "1"])
        #expect(missing.exitCode == 1 && missing.stderr.contains("config.json"))
        let outside = try TestSupport.runCTKD(["model", "forward", "--model", TestSupport.fixture("models/gpt2"), "--ids", "1,999"])
        #expect(outside.exitCode == 1 && outside.stderr.contains("999"))
    }
}
