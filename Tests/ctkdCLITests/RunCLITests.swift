import Testing
import Foundation
import CTKDCore
import CTKDTestSupport

/// `ctkd run` on the tiny pipeline: the plan, the final table, and kill -9 at random moments.
@Suite(.serialized) struct RunCLITests {
    /// What must come out the same however often the run was interrupted.
    static let finalFiles = ["teacher/model/model.safetensors", "eval/test/teacher/predictions.jsonl",
                             "eval/test/teacher/scores.qa.json", "eval/test/teacher/scores.qa.jsonl",
                             "eval/test/teacher/scores.summary.json", "eval/test/teacher/scores.summary.jsonl",
                             "report/summary.txt"]

    /// Acceptance: SIGKILL at random moments, rerun each time; the final scores (and model,
    /// predictions, report tables) equal an uninterrupted run's.
    @Test func killedPipelineFinishesWithTheSameScores() throws {
        let straightDirectory = try TestSupport.temporaryDirectory("ctkd-run")
        let straightFile = try TinyPipeline.write(to: straightDirectory)
        let plan = try TestSupport.runCTKD(["run", straightFile, "--dry-run"])
        #expect(plan.exitCode == 0 && plan.stdout.contains("eval.test.teacher") && plan.stdout.contains("5 run"), "\(plan.stdout)")
        #expect(!FileIO.exists(straightDirectory + "/out/data"))

        let start = Date()
        let straight = try TestSupport.runCTKD(["run", straightFile])
        let duration = Date().timeIntervalSince(start)
        try #require(straight.exitCode == 0, "\(straight.stderr)")
        #expect(straight.stdout.contains("teacher") && straight.stdout.contains("rougeLsum"), "\(straight.stdout)")

        let killedDirectory = try TestSupport.temporaryDirectory("ctkd-run-killed")
        let killedFile = try TinyPipeline.write(to: killedDirectory)
        var random = SystemRandomNumberGenerator()
        var kills = [Double]()
        for _ in 0..<6 {
            let delay = Double.random(in: 0.05...max(0.1, duration * 0.8), using: &random)
            let process = try TestSupport.startCTKD(["run", killedFile])
            usleep(UInt32(delay * 1_000_000))
            process.kill(signal: SIGKILL)
            let result = process.wait()
            if result.signaled { kills.append(delay) } else { break }
        }
        let finished = try TestSupport.runCTKD(["run", killedFile])
        try #require(finished.exitCode == 0, "killed at \(kills): \(finished.stderr)")
        #expect(!kills.isEmpty)
        for file in Self.finalFiles {
            #expect(try FileIO.read(killedDirectory + "/out/" + file) == FileIO.read(straightDirectory + "/out/" + file),
                    "\(file) differs after kills at \(kills) s")
        }
        #expect(finished.stdout == straight.stdout)
        // Everything done: a rerun skips every step and prints the same table.
        let again = try TestSupport.runCTKD(["run", killedFile])
        #expect(again.exitCode == 0 && again.stderr.contains("0 steps ran, 5 skipped"), "\(again.stderr)")
        #expect(again.stdout == straight.stdout)
    }
}
