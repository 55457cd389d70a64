import CTKDTestSupport
import Testing
@testable import CTKDCore
@testable import CTKDStages
@testable import CTKDData

@Suite struct PipelineExecutorTests {
    let fixture: PipelineFixture
    init() throws { fixture = try PipelineFixture() }

    func plan(_ text: String = smallPipeline, force: [String] = []) throws -> PipelinePlan {
        try PipelinePlan(try fixture.load(text), force: force)
    }

    func actions(_ plan: PipelinePlan) -> [String: String] {
        Dictionary(uniqueKeysWithValues: plan.entries.map { ($0.step.name, $0.action.name) })
    }

    @discardableResult
    func run(_ plan: PipelinePlan, _ fake: FakeStep) throws -> [String] {
        try PipelineExecutor(plan: plan, steps: fake.everyKind(), log: { _ in }).run()
    }

    @Test func runsEveryStepOnceThenSkipsThemAll() throws {
        let fake = FakeStep()
        let first = try plan()
        #expect(Set(actions(first).values) == ["run"])
        let ran = try run(first, fake)
        #expect(ran == first.entries.map(\.step.name))
        #expect(fake.calls.map(\.step) == ran)
        for entry in first.entries {
            let record = try StepRecord.read(entry.step.outputDirectory + "/step.json")
            #expect(record.hash == entry.step.hash)
            #expect(!FileIO.exists(entry.step.outputDirectory + "/step.in-progress.json"))
        }
        let second = try plan()
        #expect(Set(actions(second).values) == ["skip"])
        #expect(try run(second, fake).isEmpty)
        #expect(fake.calls.count == ran.count)
    }

    @Test func aFailedStepIsResumedWithTheSameInputs() throws {
        let fake = FakeStep()
        fake.failNext("student.kl")
        let error = #expect(throws: CTKDError.self) { try run(try plan(), fake) }
        #expect(error?.message == "student.kl failed on purpose")
        let directory = fixture.directory + "/out/students/kl"
        #expect(FileIO.exists(directory + "/step.in-progress.json"))
        #expect(!FileIO.exists(directory + "/step.json"))
        #expect(!FileIO.exists(fixture.directory + "/out/students/mlot"))  // nothing after the failure ran

        let again = try plan()
        #expect(actions(again)["student.kl"] == "resume")
        #expect(actions(again)["student.sft"] == "skip")
        #expect(actions(again)["student.mlot"] == "run")
        let callsBefore = fake.calls.count
        try run(again, fake)
        #expect(Array(fake.calls.dropFirst(callsBefore)).first == FakeStep.Call(step: "student.kl", resuming: true))
        #expect(FileIO.exists(directory + "/partial.txt"))  // a resumed step finds its partial output
        #expect(Set(actions(try plan()).values) == ["skip"])
    }

    @Test func changedSettingsAreRefusedNamingTheKeyBeforeAnyWork() throws {
        let fake = FakeStep()
        try run(try plan(), fake)
        let edited = smallPipeline.replacingOccurrences(of: "{name: kl, tokenizer: teacher, model: *s, steps: 5",
                                                        with: "{name: kl, tokenizer: teacher, model: *s, steps: 6")
            .replacingOccurrences(of: "tokenizers:", with: "tokenizers:\n  t500: {train: {vocab_size: 500}}")
        let refused = try plan(edited)
        #expect(actions(refused)["tokenizer.t500"] == "run")
        #expect(actions(refused)["student.kl"] == "refuse")
        #expect(refused.entries.first { $0.step.name == "student.kl" }?.action.reason
                == "made from different inputs: config training.steps: 5 → 6")
        #expect(refused.entries.first { $0.step.name == "eval.test.kl" }?.action.reason
                == "made from different inputs: input model changed (made by step student.kl)")
        let calls = fake.calls.count
        let error = #expect(throws: CTKDError.self) { try run(refused, fake) }
        #expect(fake.calls.count == calls)
        #expect(!FileIO.exists(fixture.directory + "/out/tokenizers/t500"))  // not even the new step ran
        let out = fixture.directory + "/out"
        #expect(error?.message == """
            existing outputs in \(out) were made differently from what \(fixture.directory)/pipeline.yaml asks now:
              student.kl: made from different inputs: config training.steps: 5 → 6
              eval.test.kl: made from different inputs: input model changed (made by step student.kl)
              report: made from different inputs: input eval.test.kl changed (made by step eval.test.kl); input student.kl changed (made by step student.kl)
            nothing was run. To replace them: --force student.kl --force eval.test.kl --force report (which also redoes the steps that read from them); to keep them: choose another output directory.
            """)

        // Forcing the changed student redoes it and everything that reads from it.
        let forced = try plan(edited, force: ["student.kl"])
        #expect(actions(forced).filter { $0.value == "redo" }.keys.sorted() == ["eval.test.kl", "report", "student.kl"])
        #expect(forced.entries.first { $0.step.name == "eval.test.kl" }?.action.reason == "its input student.kl is redone")
        try FileIO.createDirectory(out + "/students/kl/model/stale")
        try run(forced, fake)
        #expect(!FileIO.exists(out + "/students/kl/model/stale"))  // a redo starts from an empty directory
        #expect(Set(actions(try plan(edited)).values) == ["skip"])
    }

    @Test func changedInputFileIsNamed() throws {
        try fixture.write("{\"id\": \"1\", \"prompt\": \"p\", \"response\": \"r\"}\n", as: "x.jsonl")
        let text = """
            name: imported
            output: out
            data:
              import: [{format: jsonl, path: x.jsonl, split: train}]
            """
        let fake = FakeStep()
        try run(try plan(text), fake)
        try fixture.write("{\"id\": \"1\", \"prompt\": \"p\", \"response\": \"s\"}\n", as: "x.jsonl")
        let refused = try plan(text)
        #expect(refused.entries[0].action == .refuse(
            "made from different inputs: input source[0] changed (the content of \(fixture.directory)/x.jsonl)"))
    }

    @Test func unrecordedFilesAndInterruptedOtherRunsAreRefused() throws {
        let out = fixture.directory + "/out"
        try fixture.write("mine", as: "out/teacher/notes.txt")
        #expect(actions(try plan())["teacher"] == "refuse")
        #expect(try plan().entries.first { $0.step.name == "teacher" }?.action.reason
                == "\(out)/teacher holds files that no pipeline step recorded (notes.txt)")

        let fake = FakeStep()
        fake.failNext("tokenizer.t300")
        _ = try? run(try plan().withoutTeacherNotes(out), fake)
        let edited = smallPipeline.replacingOccurrences(of: "t300: {train: {vocab_size: 300}}", with: "t300: {train: {vocab_size: 320}}")
        #expect(try plan(edited).entries[1].action == .refuse(
            "holds an interrupted run of different inputs: config vocab_size: 300 → 320"))
    }

    @Test func missingImplementationsStopBeforeAnyWork() throws {
        let error = #expect(throws: CTKDError.self) {
            try PipelineExecutor(plan: try plan(), steps: PipelineSteps.data, log: { _ in }).run()
        }
        #expect(error?.message == "no implementation for step kind distill, eval, report, teach, teacher.train, tokenizer.train; nothing was run")
        #expect(!FileIO.exists(fixture.directory + "/out/data"))
    }

    @Test func aSecondRunOnTheSameDirectoryIsLockedOut() throws {
        let out = fixture.directory + "/out"
        try FileIO.createDirectory(out)
        let lock = try DirectoryLock(out)
        let error = #expect(throws: CTKDError.self) { try run(try plan(), FakeStep()) }
        #expect(error?.description == "\(out): another ctkd run is using this work directory")
        lock.release()
        try run(try plan(), FakeStep())
    }

    @Test func theDataStepsRunForReal() throws {
        try AtomicFile.write(try FileIO.read(TestSupport.fixture("data/squad-dev-v1.1.slice.json")), to: fixture.directory + "/squad.json")
        try AtomicFile.write(try FileIO.read(TestSupport.fixture("data/dialogsum-synthetic.test.jsonl")), to: fixture.directory + "/ds.jsonl")
        let imported = """
            name: imported
            output: out
            data:
              salt: s1
              import:
                - {format: squad, path: squad.json, splits: {train: 0.75, validation: 0.25}, sample: 40}
                - {format: dialogsum, path: ds.jsonl, split: test}
            """
        let plan = try self.plan(imported)
        try PipelineExecutor(plan: plan, steps: PipelineSteps.data, log: { _ in }).run()
        let out = fixture.directory + "/out/data"
        let train = try DatasetFile.read(out + "/train.jsonl"), validation = try DatasetFile.read(out + "/validation.jsonl")
        #expect(train.count + validation.count == 40)
        let all = try DatasetImporter.importFile(fixture.directory + "/squad.json", options: ImportOptions(format: .squad)).examples
        let sample = DatasetSplitter.sample(all, count: 40, salt: "s1")
        let split = DatasetSplitter.split(sample, fractions: try SplitFractions(parsing: "train=0.75,validation=0.25"), salt: "s1")
        #expect(train == split[0].examples && validation == split[1].examples)
        #expect(try DatasetFile.read(out + "/test.jsonl").map(\.id) == ["test_0", "test_1"])
        #expect(try FileIO.list(out) == ["dataset.json", "step.json", "test.jsonl", "train.jsonl", "validation.jsonl"])

        let demo = """
            name: demo
            output: out2
            seed: 4
            data:
              demo: {train: 30, validation: 5, test: 5, distractors: 1}
            """
        try PipelineExecutor(plan: try self.plan(demo), steps: PipelineSteps.data, log: { _ in }).run()
        let expected = try DemoDataset(config: DemoConfig(seed: 4, train: 30, validation: 5, test: 5, distractors: 1)).generate()
        #expect(try DatasetFile.read(fixture.directory + "/out2/data/train.jsonl") == expected[0].examples)
    }
}

extension PipelinePlan {
    /// The plan after the test removed the teacher's stray notes (it was planned with them).
    fileprivate func withoutTeacherNotes(_ out: String) throws -> PipelinePlan {
        try FileIO.remove(out + "/teacher/notes.txt")
        return try PipelinePlan(name: name, file: file, outputDirectory: outputDirectory, steps: entries.map(\.step))
    }
}
