import Foundation
import ArgumentParser
import CTKDCore
import CTKDModels
import CTKDLosses
import CTKDStages

extension CTKD {
    struct Distill: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train students from a teacher cache (SFT, KL, sampled KD, ULD, MultiLevelOT, BLD).",
            discussion: """
                One student from flags (--tokenizer, --loss, and --student DIR or --student-config), or many from \
                a YAML/JSON list (--students FILE). All students share one pass over the cache: each step reads \
                its batch once and every student tokenizes it with its own tokenizer. OUT gets \
                checkpoint.safetensors and the run's metrics.jsonl; each student OUT/NAME/metrics.jsonl and, at \
                the end, OUT/NAME/model (Hugging Face safetensors + config.json + tokenizer.json, no byte head). \
                Interrupt at any time and run the same command again to resume.

                Students file:
                  - {name: kl, tokenizer: teacher.json, model: {layers: 2, dim: 128, heads: 4}, loss: {method: kl}}
                  - {name: mlot, tokenizer: bpe1k.json, model: init/, loss: {method: mlot, mlot: {weight: 0.15}}}
                """)

        @Option(help: "Teacher cache directory.") var cache: String?
        @Option(help: "Normalised dataset JSONL, for SFT students without a cache.") var data: String?
        @Option(help: "Run directory.") var out: String

        @Option(help: "YAML/JSON list of students (name, tokenizer, model, loss, seed).") var students: String?
        @Option(help: "The single student's name.") var name = "student"
        @Option(help: "The single student's initial weights (Hugging Face directory).") var student: String?
        @Option(help: "A new single student: layers=2,dim=64,heads=4[,arch=llama,kv_heads=…,ffn_dim=…,context=…,vocab_size=…].")
        var studentConfig: String?
        @Option(help: "The single student's tokenizer.json.") var tokenizer: String?
        @Option(help: "The single student's loss.") var loss: DistillationMethod = .sft
        @Option(help: "Weight of the distillation term (kl, sampled, uld, mlot: weight; bld: kl_weight λ_kl).")
        var lossWeight: Float?
        @Option(help: #"More loss settings as JSON, e.g. '{"mlot": {"columns": 32}, "uld": {"alignment": "index"}}'."#)
        var lossConfig: String?

        @Flag(help: "Train while the teacher stage is still writing the cache (wait for new examples).") var follow = false
        @Option(help: "Seconds between polls of a followed cache.") var pollInterval: Double = 1

        @OptionGroup var hyper: TrainingHyperParameters

        func validate() throws {
            if students != nil {
                if student != nil || studentConfig != nil || tokenizer != nil || lossConfig != nil || lossWeight != nil {
                    throw ValidationError("--students excludes the single-student options (--student, --student-config, --tokenizer, --loss-…)")
                }
            } else {
                guard tokenizer != nil else { throw ValidationError("a student needs --tokenizer (or use --students FILE)") }
                guard (student == nil) != (studentConfig == nil) else {
                    throw ValidationError("give the student as --student DIR or --student-config layers=…,dim=…,heads=… (one of them)")
                }
            }
            if cache == nil && data == nil { throw ValidationError("needs --cache (or --data for SFT students)") }
        }

        func run() throws {
            StopSignal.install()
            var configuration = DistillConfiguration(cachePath: cache, dataPath: data, students: try definitions(),
                                                     directory: out)
            configuration.options = hyper.options
            configuration.follow = follow
            configuration.pollInterval = pollInterval
            StandardError.line("distill: \(configuration.students.count) student(s) "
                               + configuration.students.map { "\($0.name) (\($0.objective.method.rawValue))" }.joined(separator: ", ")
                               + ", \(Parallel.threadCount) threads")
            let summary = try DistillStage.run(configuration)
            if let resumed = summary.resumedAt { StandardError.line("distill: resumed at step \(resumed)") }
            let students = summary.students.map { student in
                "{\"name\": \(CTKDCore.JSONText.quote(student.name)), \"model\": \(CTKDCore.JSONText.quote(student.model)), "
                    + "\"final_loss\": \(student.finalLoss.map { "\($0)" } ?? "null")}"
            }
            print("{\"steps\": \(summary.steps), \"read_seconds\": \(summary.readSeconds), \"wait_seconds\": \(summary.waitSeconds), "
                  + "\"train_seconds\": \(summary.trainSeconds), \"students\": [\(students.joined(separator: ", "))]}")
        }

        private func definitions() throws -> [StudentDefinition] {
            if let students { return try StudentDefinition.readList(students) }
            var objective = ObjectiveConfiguration(method: loss)
            if let lossConfig {
                do {
                    objective = try JSONDecoder().decode(ObjectiveConfiguration.self, from: Data(lossConfig.utf8))
                } catch {
                    throw CTKDError("not a loss configuration: \(error)", field: "--loss-config")
                }
                objective.method = loss
            }
            if let lossWeight {
                switch loss {
                case .sft: throw ValidationError("--loss-weight needs a distillation loss (--loss kl|sampled|uld|mlot|bld)")
                case .kl: objective.kl.weight = lossWeight
                case .sampled: objective.sampled.weight = lossWeight
                case .uld: objective.uld.weight = lossWeight
                case .mlot: objective.mlot.weight = lossWeight
                case .bld: objective.bld.klWeight = lossWeight
                }
            }
            let initialization: StudentDefinition.Initialization = try student.map { .directory($0) }
                ?? .new(try StudentShape(parsing: studentConfig!))
            return [StudentDefinition(name: name, initialization: initialization, tokenizerPath: tokenizer!,
                                      objective: objective, seed: hyper.seed)]
        }
    }
}

extension DistillationMethod: ExpressibleByArgument {}
