import CTKDTestSupport
import Testing
@testable import CTKDCore
@testable import CTKDStages

@Suite struct PipelineValidationTests {
    let fixture: PipelineFixture
    init() throws { fixture = try PipelineFixture() }
    var file: String { fixture.directory + "/pipeline.yaml" }

    /// `smallPipeline` with one line replaced.
    func edited(_ old: String, _ new: String) -> String {
        precondition(smallPipeline.contains(old), "not in the pipeline: \(old)")
        return smallPipeline.replacingOccurrences(of: old, with: new)
    }

    @Test func theSmallPipelineIsValid() throws {
        let pipeline = try fixture.load(smallPipeline)
        #expect(pipeline.spec.students.map(\.name.value) == ["sft", "kl", "mlot"])
        #expect(pipeline.outputDirectory == fixture.directory + "/out")
        #expect(pipeline.spec.students[2].loss.mlot?.beta == 0.2)
        #expect(pipeline.spec.students[2].loss.mlot?.topK == 50)
        #expect(pipeline.spec.students[2].loss.weight == 0.15)  // the default for mlot
        #expect(pipeline.spec.students[1].model == pipeline.spec.students[0].model)  // the alias
    }

    @Test func unknownKeyIsNamedWithLineAndSuggestion() throws {
        let problems = try fixture.problems(edited("steps: 5, loss: kl}", "steps: 5, loss: kl, weigth: 2}"))
        #expect(problems == ["\(file):16: field \"students[1].weigth\": unknown key; did you mean \"weight\"? (allowed here: "
                             + "name, tokenizer, model, loss, weight, alignment, mlot, bld, steps, schedule, seed, batch_size, "
                             + "learning_rate, warmup_steps, weight_decay, grad_clip)"])
    }

    @Test func wrongTypesAreNamed() throws {
        #expect(try fixture.problems(edited("cache: {top_k: 8}", "cache: {top_k: many}"))
                == ["\(file):13: field \"cache.top_k\": expected an integer, found \"many\""])
        #expect(try fixture.problems(edited("  steps: 10", "  steps: [10]"))
                == ["\(file):12: field \"teacher.steps\": expected an integer, found a list"])
        #expect(try fixture.problems(edited("  demo: {train: 40, validation: 10, test: 10}", "  demo: 3"))
                == ["\(file):5: field \"data.demo\": expected a mapping, found \"3\""])
        #expect(try fixture.problems(edited("loss: mlot, mlot: {beta: 0.2}", "loss: mlot, mlot: {beta: high}"))
                == ["\(file):17: field \"students[2].mlot.beta\": expected a number, found \"high\""])
        #expect(try fixture.problems(edited("cache: {top_k: 8}", "cache: {byte_dist: maybe}"))
                == ["\(file):13: field \"cache.byte_dist\": expected a boolean (true or false), found \"maybe\""])
    }

    @Test func badEnumValuesListTheChoices() throws {
        #expect(try fixture.problems(edited("steps: 5, loss: kl}", "steps: 5, loss: kll}"))
                == ["\(file):16: field \"students[1].loss\": expected one of sft, kl, sampled, uld, mlot, bld, found \"kll\"; did you mean \"kl\"?"])
        #expect(try fixture.problems(edited("{layers: 2, d_model: 64, heads: 4}", "{architecture: gpt3, layers: 2, d_model: 64, heads: 4}"))
                == ["\(file):11: field \"teacher.model.architecture\": expected one of gpt2, llama, found \"gpt3\"; did you mean \"gpt2\"?"])
    }

    @Test func missingRequiredKeyNamesTheMapping() throws {
        #expect(try fixture.problems(edited("steps: 5, loss: kl}", "steps: 5}"))
                == ["\(file):16: field \"students[1].loss\": required key is missing"])
        #expect(try fixture.problems(smallPipeline.replacingOccurrences(of: "output: out\n", with: ""))
                == ["\(file):1: field \"output\": required key is missing"])
    }

    @Test func rangeChecksNameTheValue() throws {
        #expect(try fixture.problems(edited("  steps: 10", "  steps: 0"))
                == ["\(file):12: field \"teacher.steps\": must be at least 1"])
        #expect(try fixture.problems(edited("{layers: 2, d_model: 64, heads: 4}", "{layers: 2, d_model: 64, heads: 5}"))
                == ["\(file):11: field \"teacher.model.heads\": must divide d_model (64) evenly"])
        #expect(try fixture.problems(edited("{layers: 2, d_model: 64, heads: 4}", "{layers: 2, d_model: 64, heads: 4, kv_heads: 2}"))
                == ["\(file):11: field \"teacher.model.kv_heads\": only llama models have key-value heads"])
        #expect(try fixture.problems(edited("loss: mlot, mlot: {beta: 0.2}", "loss: sft, mlot: {beta: 0.2}"))
                == ["\(file):17: field \"students[2].mlot\": does not apply to loss sft (only to mlot)"])
    }

    @Test func missingFilesAreNamedBeforeAnyWork() throws {
        let text = edited("  demo: {train: 40, validation: 10, test: 10}", """
              import:
                - {format: squad, path: data/train.json, split: train}
                - {format: dialogsum, path: data/test.jsonl, splits: {validation: 0.5, test: 0.5}}
            """)
        #expect(try fixture.problems(text) == [
            "\(file):6: field \"data.import[0].path\": data file not found: data/train.json (\(fixture.directory)/data/train.json)",
            "\(file):7: field \"data.import[1].path\": data file not found: data/test.jsonl (\(fixture.directory)/data/test.jsonl)",
        ])
        try fixture.write("{}", as: "data/train.json")
        try fixture.write("", as: "data/test.jsonl")
        #expect(try fixture.problems(text) == [])
        let teacherFrom = smallPipeline.replacingOccurrences(
            of: "  tokenizer: t300\n  model: {layers: 2, d_model: 64, heads: 4}\n  steps: 10\n", with: "  from: models/teacher\n")
        #expect(try fixture.problems(teacherFrom) == [
            "\(file):10: field \"teacher.from\": model directory not found: models/teacher (\(fixture.directory)/models/teacher)"])
        try fixture.write("{}", as: "models/teacher/config.json")
        #expect(try fixture.problems(teacherFrom) == [
            "\(file):10: field \"teacher.from\": the model directory has no model.safetensors: models/teacher",
            "\(file):10: field \"teacher.from\": the model directory has no tokenizer.json: models/teacher (or name a tokenizer with \"tokenizer\")",
        ])
    }

    @Test func crossReferencesAreCheckedTogether() throws {
        let text = smallPipeline
            .replacingOccurrences(of: "{name: kl, tokenizer: teacher", with: "{name: kl, tokenizer: t400")
            .replacingOccurrences(of: "cache: {top_k: 8}", with: "cache: {top_k: 8, sampled: 0, split: dev}")
            .replacingOccurrences(of: "{name: mlot, tokenizer: t400", with: "{name: sft, tokenizer: t500")
            .replacingOccurrences(of: "{split: test, max_new_tokens: 8}", with: "{split: test, max_new_tokens: 8, models: [teacher, kl, bld]}")
        #expect(try fixture.problems(text) == [
            "\(file):13: field \"cache.split\": no split \"dev\" in the data (it has train, validation, test)",
            "\(file):16: field \"students[1].tokenizer\": loss kl needs the teacher's tokenizer (t300), not t400",
            "\(file):17: field \"students[2].name\": another student is named \"sft\"",
            "\(file):17: field \"students[2].tokenizer\": no tokenizer \"t500\" (declared: t300, t400, teacher)",
            "\(file):19: field \"evaluations[0].models[2]\": no model \"bld\" (models: teacher, sft, kl, sft)",
        ])
        let sampled = edited("{name: kl, tokenizer: teacher, model: *s, steps: 5, loss: kl}",
                             "{name: kl, tokenizer: teacher, model: *s, steps: 5, loss: sampled}")
            .replacingOccurrences(of: "cache: {top_k: 8}", with: "cache: {top_k: 8, sampled: 0}")
        #expect(try fixture.problems(sampled) == [
            "\(file):16: field \"students[1].loss\": loss sampled needs sampled targets in the cache (cache.sampled is 0)"])
    }

    @Test func yamlSyntaxAndDuplicateKeys() throws {
        #expect(try fixture.problems("name: x\noutput: [unclosed\n").first?.hasPrefix("\(file):3: invalid YAML: ") == true)
        #expect(try fixture.problems("name: x\nname: y\n") == ["\(file):1: duplicate key \"name\""])
        #expect(try fixture.problems("") == ["\(file): the file is empty"])
        #expect(try fixture.problems("- a\n- b\n") == ["\(file):1: expected a mapping, found a list"])
    }

    @Test func environmentVariablesFillValues() throws {
        let text = edited("output: out", "output: ${RUNS:-runs}/$${literal}")
            .replacingOccurrences(of: "  steps: 10", with: "  steps: ${TEACHER_STEPS}")
        #expect(try fixture.problems(text) == [
            "\(file):12: field \"teacher.steps\": environment variable TEACHER_STEPS is not set (write ${TEACHER_STEPS:-default} to give a default)"])
        let pipeline = try fixture.load(text, environment: ["TEACHER_STEPS": "77", "RUNS": "/tmp/r"])
        #expect(pipeline.outputDirectory == "/tmp/r/${literal}")
        guard case .train(_, let training) = pipeline.spec.teacher?.source else { Issue.record("not trained"); return }
        #expect(training.steps == 77)
        #expect(try fixture.load(text, environment: ["TEACHER_STEPS": "7"]).outputDirectory == fixture.directory + "/runs/${literal}")
    }

    @Test func mergeKeysShareSettings() throws {
        let text = edited("  - {name: sft, tokenizer: t400, model: &s {layers: 1, d_model: 32, heads: 2}, steps: 5, loss: sft}",
                          "  - &base {name: sft, tokenizer: t400, model: &s {layers: 1, d_model: 32, heads: 2}, steps: 5, loss: sft}\n"
                          + "  - {<<: *base, name: uld, loss: uld, steps: 6}")
        let students = try fixture.load(text).spec.students
        #expect(students.map(\.name.value) == ["sft", "uld", "kl", "mlot"])
        #expect(students[1].training.steps == 6)
        #expect(students[1].loss.kind == .uld)
        #expect(students[1].tokenizer.value == "t400")
    }

    @Test func everySchemaMappingRefusesUnknownKeys() throws {
        // (a line of smallPipeline, the same line with an unknown key, the key path reported)
        let cases: [(String, String, String)] = [
            ("name: small", "name: small\nbogus: 1", "bogus"),
            ("  demo: {train: 40, validation: 10, test: 10}", "  demo: {train: 40, validation: 10, test: 10}\n  bogus: 1", "data.bogus"),
            ("  demo: {train: 40, validation: 10, test: 10}", "  demo: {train: 40, bogus: 1}", "data.demo.bogus"),
            ("  t300: {train: {vocab_size: 300}}", "  t300: {train: {vocab_size: 300}, bogus: 1}", "tokenizers.t300.bogus"),
            ("  t300: {train: {vocab_size: 300}}", "  t300: {train: {vocab_size: 300, bogus: 1}}", "tokenizers.t300.train.bogus"),
            ("  steps: 10", "  steps: 10\n  bogus: 1", "teacher.bogus"),
            ("{layers: 2, d_model: 64, heads: 4}", "{layers: 2, d_model: 64, heads: 4, bogus: 1}", "teacher.model.bogus"),
            ("cache: {top_k: 8}", "cache: {top_k: 8, bogus: 1}", "cache.bogus"),
            ("loss: sft}", "loss: sft, bogus: 1}", "students[0].bogus"),
            ("mlot: {beta: 0.2}", "mlot: {beta: 0.2, bogus: 1}", "students[2].mlot.bogus"),
            ("{split: test, max_new_tokens: 8}", "{split: test, max_new_tokens: 8, bogus: 1}", "evaluations[0].bogus"),
            ("{split: test, max_new_tokens: 8}", "{split: test}\nreport: {title: x, bogus: 1}", "report.bogus"),
        ]
        for (old, new, path) in cases {
            let problems = try fixture.problems(edited(old, new))
            #expect(problems.count == 1 && problems[0].contains("field \"\(path)\": unknown key"), "\(path): \(problems)")
        }
        let bld = try fixture.problems(edited("loss: mlot, mlot: {beta: 0.2}", "loss: bld, bld: {bytes: 4, bogus: 1}"))
        #expect(bld.count == 1 && bld[0].contains("field \"students[2].bld.bogus\": unknown key"))
        try fixture.write("{}", as: "x.jsonl")
        let fields = try fixture.problems(edited("  demo: {train: 40, validation: 10, test: 10}",
                                                 "  import: [{format: jsonl, path: x.jsonl, splits: {train: 0.5, validation: 0.25, test: 0.25}, fields: {bogus: 1}}]"))
        #expect(fields.count == 1 && fields[0].contains("field \"data.import[0].fields.bogus\": unknown key"))
    }

    @Test func trainingKeysNeedATeacherTrainedHere() throws {
        let text = smallPipeline.replacingOccurrences(
            of: "  tokenizer: t300\n  model: {layers: 2, d_model: 64, heads: 4}\n  steps: 10\n",
            with: "  from: models/teacher\n  tokenizer: t300\n  steps: 10\n")
        #expect(try fixture.problems(text) == [
            "\(file):12: field \"teacher.steps\": applies only to a teacher trained here (with \"model\")"])
    }
}
