import CTKDTestSupport
import Foundation
import Testing
@testable import CTKDCore

@Suite struct PipelineCommandTests {
    let directory: String
    init() throws { directory = try TestSupport.temporaryDirectory("ctkd-cli-pipeline") }

    func write(_ text: String) throws -> String {
        try AtomicFile.write(text, to: directory + "/p.yaml")
        return directory + "/p.yaml"
    }

    static let pipeline = """
        name: p
        output: out
        data:
          demo: {train: 20, validation: 5, test: 5}
        tokenizers:
          bpe: {train: {vocab_size: 300}}
        students:
          - {name: sft, tokenizer: bpe, model: {layers: 1, d_model: 32, heads: 2}, steps: 3, loss: sft}
        """

    @Test func validateAcceptsAndListsSteps() throws {
        let result = try TestSupport.runCTKD(["pipeline", "validate", try write(Self.pipeline)])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout == "\(directory)/p.yaml: valid, 3 steps: data, tokenizer.bpe, student.sft\n")
    }

    @Test func validateReportsEveryProblemWithLines() throws {
        let path = try write(Self.pipeline.replacingOccurrences(of: "test: 5}\n", with: "test: 5}\n  extra: 1\n"))
        let result = try TestSupport.runCTKD(["pipeline", "validate", path])
        #expect(result.exitCode == 1)
        #expect(result.stderr == "error: \(path):5: field \"data.extra\": unknown key (allowed here: demo, import, salt)\n")
        let text = Self.pipeline.replacingOccurrences(of: "tokenizer: bpe,", with: "tokenizer: bpf,")
            .replacingOccurrences(of: "steps: 3,", with: "steps: 3, seed: 1,")
            .replacingOccurrences(of: "output: out", with: "output: out\nreport: {}")
        let second = try TestSupport.runCTKD(["pipeline", "validate", try write(text)])
        #expect(second.exitCode == 1)
        #expect(second.stderr == """
            error: \(path):9: field \"students[0].tokenizer\": no tokenizer \"bpf\" (declared: bpe)
            error: \(path):3: field \"report\": a report needs at least one evaluation

            """)
    }

    @Test func planPrintsActionsAndExitsNonZeroOnRefusal() throws {
        let path = try write(Self.pipeline)
        let result = try TestSupport.runCTKD(["pipeline", "plan", path, "--output", directory + "/work"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("pipeline p (\(path)) → \(directory)/work\n"))
        #expect(result.stdout.contains("1  data           data.demo        run     no output yet"))
        #expect(result.stdout.hasSuffix("  3 run\n"))

        try FileIO.createDirectory(directory + "/work/data")
        try AtomicFile.write("x", to: directory + "/work/data/train.jsonl")
        let refused = try TestSupport.runCTKD(["pipeline", "plan", path, "--output", directory + "/work"])
        #expect(refused.exitCode == 1)
        #expect(refused.stderr.contains("data: \(directory)/work/data holds files that no pipeline step recorded (train.jsonl)"))
        let forced = try TestSupport.runCTKD(["pipeline", "plan", path, "--output", directory + "/work", "--force", "data", "--verbose"])
        #expect(forced.exitCode == 0)
        #expect(forced.stdout.contains("redo    forced"))
        #expect(forced.stdout.contains("student.sft (distill) hash "))
    }
}
