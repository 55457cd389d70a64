import CTKDTestSupport
import Testing
@testable import CTKDCore
@testable import CTKDStages

/// The pipeline files shipped in `pipelines/` validate and plan (real-data ones against the
/// fixtures and a stand-in model directory, through their environment variables).
@Suite struct PipelineFilesTests {
    static let pipelines = TestSupport.repositoryRoot + "/pipelines"

    /// A directory that looks like a Hugging Face model directory (validation checks only that
    /// the files exist; planning hashes them).
    func standInModel() throws -> String {
        let directory = try TestSupport.temporaryDirectory("ctkd-model")
        for name in ["config.json", "model.safetensors", "tokenizer.json"] { try AtomicFile.write("{}", to: directory + "/" + name) }
        return directory
    }

    @Test func demo() throws {
        let pipeline = try PipelineFile.load(Self.pipelines + "/demo.yaml", environment: [:])
        #expect(pipeline.outputDirectory == TestSupport.repositoryRoot + "/demo-out")
        let steps = try PipelinePlanner(pipeline).steps()
        #expect(steps.map(\.name) == [
            "data", "tokenizer.bpe1k", "tokenizer.bpe512", "teacher", "cache",
            "student.sft", "student.kl", "student.uld", "student.mlot", "student.bld",
            "eval.test.teacher", "eval.test.sft", "eval.test.kl", "eval.test.uld", "eval.test.mlot", "eval.test.bld", "report"])
        // Every student has the same size, so the comparison with the SFT student is fair.
        let models = pipeline.spec.students.map(\.model)
        #expect(models.allSatisfy { $0 == models[0] })
        #expect(Set(pipeline.spec.students.map(\.training)).count == 1)
    }

    @Test func squad() throws {
        let slice = TestSupport.fixture("data/squad-dev-v1.1.slice.json")
        let environment = ["SQUAD_TRAIN": slice, "SQUAD_DEV": slice, "TEACHER_DIR": try standInModel()]
        let pipeline = try PipelineFile.load(Self.pipelines + "/squad.yaml", environment: environment)
        let steps = try PipelinePlanner(pipeline).steps()
        #expect(steps.first?.inputs.map(\.path) == [slice, slice])
        #expect(steps.contains { $0.name == "student.kl" && $0.input("tokenizer")?.path == environment["TEACHER_DIR"]! + "/tokenizer.json" })

        // Without the data variables (and with a teacher directory that does not exist, whatever
        // `make smollm2` may have put under models/ on this machine) every missing file is named.
        let missing = #expect(throws: PipelineValidationError.self) {
            try PipelineFile.load(Self.pipelines + "/squad.yaml", environment: ["TEACHER_DIR": "/nonexistent/smollm2"])
        }
        #expect(missing?.errors.map(\.field) == ["data.import[0].path", "data.import[1].path", "teacher.from"])
    }

    @Test func dialogsum() throws {
        let directory = try TestSupport.temporaryDirectory("ctkd-dialogsum")
        for split in ["train", "dev"] {
            try AtomicFile.write(try FileIO.read(TestSupport.fixture("data/dialogsum-synthetic.dev.jsonl")),
                                 to: directory + "/dialogsum.\(split).jsonl")
        }
        try AtomicFile.write(try FileIO.read(TestSupport.fixture("data/dialogsum-synthetic.test.jsonl")),
                             to: directory + "/dialogsum.test.jsonl")
        let pipeline = try PipelineFile.load(Self.pipelines + "/dialogsum.yaml",
                                             environment: ["DIALOGSUM_DIR": directory, "TEACHER_DIR": try standInModel()])
        #expect(pipeline.spec.data.splitNames == ["train", "validation", "test"])
        #expect(try PipelinePlanner(pipeline).steps().count == 13)  // teacher from a directory: no teacher step
    }
}
