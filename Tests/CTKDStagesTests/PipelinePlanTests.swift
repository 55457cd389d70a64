import CTKDTestSupport
import Testing
@testable import CTKDCore
@testable import CTKDStages

@Suite struct PipelinePlanTests {
    let fixture: PipelineFixture
    init() throws { fixture = try PipelineFixture() }

    func steps(_ text: String = smallPipeline) throws -> [PlannedStep] {
        try PipelinePlanner(try fixture.load(text)).steps()
    }

    @Test func stepsComeInDependencyOrderWithTheirInputs() throws {
        let steps = try steps()
        #expect(steps.map(\.name) == [
            "data", "tokenizer.t300", "tokenizer.t400", "teacher", "cache", "student.sft", "student.kl", "student.mlot",
            "eval.test.teacher", "eval.test.sft", "eval.test.kl", "eval.test.mlot", "report"])
        var seen = Set<String>()
        for step in steps {
            #expect(step.dependencies.allSatisfy(seen.contains), "\(step.name) reads a later step")
            seen.insert(step.name)
        }
        let out = fixture.directory + "/out"
        let byName = Dictionary(uniqueKeysWithValues: steps.map { ($0.name, $0) })
        let kl = try #require(byName["student.kl"])
        #expect(kl.outputDirectory == out + "/students/kl")
        #expect(kl.inputs.map(\.name) == ["cache", "data", "tokenizer"])
        #expect(kl.input("tokenizer")?.path == out + "/tokenizers/t300/tokenizer.json")  // `teacher` → the teacher's
        #expect(kl.input("data")?.path == out + "/data/train.jsonl")
        #expect(byName["student.sft"]?.input("cache") == nil)
        #expect(byName["cache"]?.input("teacher")?.path == out + "/teacher/model")
        #expect(byName["eval.test.mlot"]?.input("model")?.path == out + "/students/mlot/model")
        #expect(byName["eval.test.mlot"]?.input("data")?.path == out + "/data/test.jsonl")
        #expect(byName["report"]?.dependencies == [
            "eval.test.teacher", "eval.test.sft", "eval.test.kl", "eval.test.mlot", "student.kl", "student.mlot", "student.sft", "teacher",
        ].sorted())
        #expect(byName["student.mlot"]?.config.lines["loss.mlot.beta"] == "0.2")
        #expect(byName["student.mlot"]?.config.lines["training.seed"] == "\"5\"")  // the pipeline's seed
    }

    @Test func hashesChangeExactlyDownstreamOfAChange() throws {
        let before = Dictionary(uniqueKeysWithValues: try steps().map { ($0.name, $0.hash) })
        let edited = smallPipeline.replacingOccurrences(of: "{name: kl, tokenizer: teacher, model: *s, steps: 5",
                                                        with: "{name: kl, tokenizer: teacher, model: *s, steps: 6")
        let after = Dictionary(uniqueKeysWithValues: try steps(edited).map { ($0.name, $0.hash) })
        let changed = Set(before.keys.filter { before[$0] != after[$0] })
        #expect(changed == ["student.kl", "eval.test.kl", "report"])
        #expect(try steps().map(\.hash) == Array(try steps().map(\.hash)))  // deterministic
    }

    @Test func inputFilesCountByContentNotByPath() throws {
        let text = smallPipeline.replacingOccurrences(of: "  demo: {train: 40, validation: 10, test: 10}",
                                                      with: "  import: [{format: jsonl, path: a/x.jsonl, split: train}]")
            .replacingOccurrences(of: "{split: test, max_new_tokens: 8}", with: "{split: train, max_new_tokens: 8}")
        try fixture.write("{\"id\": \"1\", \"prompt\": \"p\"}\n", as: "a/x.jsonl")
        let first = try steps(text)[0]
        try fixture.write("{\"id\": \"1\", \"prompt\": \"p\"}\n", as: "b/x.jsonl")
        let moved = try steps(text.replacingOccurrences(of: "a/x.jsonl", with: "b/x.jsonl"))[0]
        #expect(first.hash == moved.hash)
        try fixture.write("{\"id\": \"1\", \"prompt\": \"q\"}\n", as: "a/x.jsonl")
        #expect(try steps(text)[0].hash != first.hash)
    }

    @Test func globMatching() {
        #expect(PipelinePlan.matches("student.kl", "student.*"))
        #expect(PipelinePlan.matches("eval.test.kl", "eval.*.kl"))
        #expect(!PipelinePlan.matches("eval.test.sft", "eval.*.kl"))
        #expect(PipelinePlan.matches("teacher", "teacher"))
        #expect(!PipelinePlan.matches("teacher", "teach"))
        #expect(PipelinePlan.matches("a.b", "*"))
    }

    @Test func unknownForceNameIsRefused() throws {
        let error = #expect(throws: CTKDError.self) { try PipelinePlan(try fixture.load(smallPipeline), force: ["studnet.kl"]) }
        #expect(error?.message.hasPrefix("--force studnet.kl: no such step (steps: data, tokenizer.t300,") == true)
    }

    @Test func configValuesFlattenSorted() {
        let value: ConfigValue = ["b": ["y": 1, "x": .list([.string("q\""), .double(0.5)])], "a": .list([]), "c": .null]
        #expect(value.flattened().map { "\($0.path)=\($0.value)" } == ["a=[]", "b.x[0]=\"q\\\"\"", "b.x[1]=0.5", "b.y=1", "c=null"])
    }
}
