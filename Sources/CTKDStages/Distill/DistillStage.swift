import Foundation
import CTKDCore
import CTKDCache
import CTKDModels
import CTKDLosses

/// How a distill run is set up besides its students.
public struct DistillConfiguration: Sendable {
    /// A teacher cache directory, or nil to train SFT students from `dataPath`.
    public var cachePath: String?
    /// A normalised dataset JSONL (SFT students only, when there is no cache).
    public var dataPath: String?
    public var students: [StudentDefinition]
    /// Steps, batch size, sequence length, schedule, optimizer, clipping, seed, checkpoints.
    public var options = TrainingOptions()
    /// Train while the teacher stage still writes the cache.
    public var follow = false
    public var pollInterval = 1.0
    /// The run's directory (`checkpoint.safetensors`, the run's `metrics.jsonl`).
    public var directory: String
    /// Each student's directory (its `metrics.jsonl`, `model/`); default `directory/<name>`.
    public var studentDirectories: [String: String] = [:]

    public init(cachePath: String?, dataPath: String? = nil, students: [StudentDefinition], directory: String) {
        self.cachePath = cachePath
        self.dataPath = dataPath
        self.students = students
        self.directory = directory
    }
}

/// The student stage: trains every student from one pass over the teacher cache. Each step reads
/// the next batch of records once; every student tokenizes them itself and takes its own optimizer
/// step. Resumable (kill -9, then the same command) through `TrainingRun`.
///
///     var configuration = DistillConfiguration(cachePath: "cache", students: [s0, s1], directory: "runs/d")
///     configuration.options.steps = 1000
///     let summary = try DistillStage.run(configuration)
public enum DistillStage {
    public struct State: Codable, Sendable {
        public var cursor: DistillCursor
        /// Each student's metrics-log size after the step (a resumed run truncates to it).
        public var logBytes: [String: Int] = [:]
        public var elapsedSeconds = 0.0
    }

    public struct Summary: Sendable {
        public var steps: Int
        public var resumedAt: Int?
        /// Each student's exported model directory and last step's loss, in student order.
        public var students: [(name: String, model: String, finalLoss: Double?)]
        /// Seconds spent reading (and waiting for) the cache, and in the students' steps.
        public var readSeconds: Double
        public var waitSeconds: Double
        public var trainSeconds: Double
    }

    public static func run(_ configuration: DistillConfiguration) throws -> Summary {
        let options = configuration.options
        guard options.steps > 0, options.batchSize > 0, options.sequenceLength > 0, options.gradientAccumulation > 0 else {
            throw CTKDError("steps, batch size, sequence length and gradient accumulation must be positive")
        }
        guard !configuration.students.isEmpty else { throw CTKDError("no student to train") }
        let names = configuration.students.map(\.name)
        if let duplicate = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            throw CTKDError("two students are named \"\(duplicate)\"")
        }

        let source: DistillSource
        let cache = try configuration.cachePath.map { try CacheReader(directory: $0) }
        if let cache {
            source = try DistillSource(cache: cache, parts: DistillRequirements.parts(configuration.students),
                                       follow: configuration.follow, seed: options.seed, pollInterval: configuration.pollInterval)
        } else if let dataPath = configuration.dataPath {
            source = try DistillSource(dataset: dataPath, seed: options.seed)
        } else {
            throw CTKDError("needs a teacher cache (--cache) or, for SFT students, a dataset (--data)")
        }
        let students = try configuration.students.map { definition in
            let teacherVocabulary = cache.flatMap { DistillRequirements.teacherVocabularySize($0.metadata) }
            let student = try DistillStudent(definition, options: options, teacherVocabularySize: teacherVocabulary,
                                             directory: configuration.studentDirectories[definition.name]
                                                 ?? configuration.directory + "/" + definition.name)
            try DistillRequirements.check(student, cache: cache)
            return student
        }

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var settings = ["options": String(decoding: try encoder.encode(options), as: UTF8.self),
                        "data": source.fingerprint, "threads": "\(Parallel.threadCount)",
                        "students": names.joined(separator: ",")]
        for student in students { settings["student." + student.name] = try student.settings() }
        let run = try TrainingRun(directory: configuration.directory, trainees: students.map(\.trainee),
                                  totalSteps: options.steps, checkpointInterval: options.checkpointInterval,
                                  settings: settings, initialState: State(cursor: source.initialCursor(follow: configuration.follow)))
        run.label = "distill"
        run.logInterval = max(1, options.logInterval)
        for student in students { try student.log.truncate(toBytes: run.resumed ? run.state.logBytes[student.name] ?? 0 : 0) }

        let resumedAt = run.resumed ? run.completedSteps : nil
        let schedule = options.learningRateSchedule
        var finalLosses = [String: Double]()
        var readSeconds = 0.0, trainSeconds = 0.0
        try run.run { step, state in
            let stepStart = Date()
            let records = try source.next(options.batchSize * options.gradientAccumulation, cursor: &state.cursor)
            let read = Date().timeIntervalSince(stepStart)
            readSeconds += read
            let rate = schedule.rate(at: step)
            var metrics = ["read_seconds": read]
            var losses = [Double](), tokens = 0
            for student in students {
                let start = Date()
                let microBatches = try stride(from: 0, to: records.count, by: options.batchSize).map {
                    try student.batch(records[$0..<min($0 + options.batchSize, records.count)], sequenceLength: options.sequenceLength)
                }
                let result = try student.trainee.step(microBatches: microBatches, objective: student.objective,
                                                      learningRate: rate, maxGradientNorm: options.gradientClip)
                let seconds = Date().timeIntervalSince(start)
                trainSeconds += seconds
                var terms = result.terms
                terms["grad_norm"] = result.gradientNorm
                if (step + 1) % run.logInterval == 0 || step + 1 == options.steps {
                    try student.log.append(step: step + 1, loss: result.loss, learningRate: rate,
                                           tokensPerSecond: Double(result.tokens) / max(seconds, 1e-9),
                                           elapsedSeconds: state.elapsedSeconds + Date().timeIntervalSince(stepStart),
                                           extra: terms)
                }
                state.logBytes[student.name] = student.log.byteCount
                metrics[student.name + ".loss"] = result.loss
                metrics[student.name + ".seconds"] = seconds
                finalLosses[student.name] = result.loss
                losses.append(result.loss)
                tokens += result.tokens
            }
            state.elapsedSeconds += Date().timeIntervalSince(stepStart)
            // The run's own log: the students' mean loss, each student's loss and step time, cache reading.
            return StepReport(loss: losses.reduce(0, +) / Double(losses.count), learningRate: rate, tokens: tokens,
                              metrics: metrics)
        }
        let exported = try students.map { (name: $0.name, model: try $0.export(), finalLoss: finalLosses[$0.name]) }
        return Summary(steps: run.completedSteps, resumedAt: resumedAt, students: exported,
                       readSeconds: readSeconds, waitSeconds: source.waitSeconds, trainSeconds: trainSeconds)
    }
}
