import Foundation
import CTKDCore
import CTKDTensor

/// What one step reports to the run (for the log and the progress line).
public struct StepReport: Sendable {
    public var loss: Double
    public var learningRate: Double
    /// Input tokens processed in the step.
    public var tokens: Int
    /// Extra keys of the metrics log (loss terms, gradient norm, …).
    public var metrics: [String: Double]

    public init(loss: Double, learningRate: Double, tokens: Int, metrics: [String: Double] = [:]) {
        self.loss = loss
        self.learningRate = learningRate
        self.tokens = tokens
        self.metrics = metrics
    }
}

/// A resumable training run in a directory: `checkpoint.safetensors` (every trainee's parameter
/// sets and optimizer, the step, and the caller's `State` — data cursor, RNG) and `metrics.jsonl`.
///
/// Killed at any moment (Ctrl-C or kill -9) and started again with the same settings, it resumes
/// from the last checkpoint and ends with the same weights, bit for bit, and the same loss log as
/// an uninterrupted run: every step is deterministic given the checkpointed state (fixed thread
/// count, fixed reduction order), and log lines written after that checkpoint are dropped.
///
///     let run = try TrainingRun(directory: "runs/a", trainees: [trainee], totalSteps: 1000,
///                               checkpointInterval: 100, settings: ["data": hash], initialState: cursor)
///     try run.run { step, state in
///         let result = try trainee.step(microBatches: data.next(&state), objective: ce, learningRate: lr(step))
///         return StepReport(loss: result.loss, learningRate: lr(step), tokens: result.tokens)
///     }
public final class TrainingRun<State: Codable> {
    public let directory: String
    public let trainees: [Trainee]
    public let totalSteps: Int
    public let checkpointInterval: Int
    /// What identifies the run (model, data, hyper-parameters); resuming requires the same values.
    public let settings: [String: String]
    /// The caller's state as of the last completed step.
    public private(set) var state: State
    /// Steps completed (and checkpointed, when resumed).
    public private(set) var completedSteps = 0
    public private(set) var resumed = false
    public var label = "train"
    public var logInterval = 1
    private var elapsedBefore = 0.0
    private let log: MetricsLog

    struct Saved: Codable {
        var completedSteps: Int
        var elapsedSeconds: Double
        var metricsBytes: Int
        var settings: [String: String]
        var state: State
    }

    public var checkpointPath: String { directory + "/checkpoint.safetensors" }
    public var metricsPath: String { directory + "/metrics.jsonl" }

    public init(directory: String, trainees: [Trainee], totalSteps: Int, checkpointInterval: Int,
                settings: [String: String], initialState: State) throws {
        try FileIO.createDirectory(directory)
        self.directory = directory
        self.trainees = trainees
        self.totalSteps = totalSteps
        self.checkpointInterval = max(1, checkpointInterval)
        self.settings = settings
        state = initialState
        log = try MetricsLog(path: directory + "/metrics.jsonl")
        if FileIO.exists(checkpointPath) {
            let saved = try Checkpoint.load(from: checkpointPath, parameterSets: trainees.flatMap(\.parameterSets),
                                            optimizers: optimizers, as: Saved.self)
            let changed = Set(saved.settings.keys).union(settings.keys).filter { saved.settings[$0] != settings[$0] }.sorted()
            guard changed.isEmpty else {
                let detail = changed.map { "\($0): was \(saved.settings[$0] ?? "unset"), now \(settings[$0] ?? "unset")" }
                throw CTKDError("holds a run with different settings (\(detail.joined(separator: "; "))); use a new output directory",
                                file: directory)
            }
            state = saved.state
            completedSteps = saved.completedSteps
            elapsedBefore = saved.elapsedSeconds
            try log.truncate(toBytes: saved.metricsBytes)
            resumed = true
        } else {
            try log.truncate(toBytes: 0)
        }
    }

    private var optimizers: [String: AdamW] {
        Dictionary(uniqueKeysWithValues: trainees.map { ($0.name, $0.optimizer) })
    }

    public var isComplete: Bool { completedSteps >= totalSteps }

    /// Runs the remaining steps. `body(step, &state)` does step `step` (0-based) and updates the
    /// caller's state; checkpoints follow every `checkpointInterval` steps, the last step and a
    /// Ctrl-C (after which `StopSignal.Stopped` is thrown).
    public func run(_ body: (Int, inout State) throws -> StepReport) throws {
        let start = Date()
        let progress = ProgressReporter(label: label, total: totalSteps, unit: "steps", alreadyCompleted: completedSteps)
        var tokensSinceStart = 0
        while completedSteps < totalSteps {
            let stepStart = Date()
            let report = try body(completedSteps, &state)
            completedSteps += 1
            let now = Date()
            let elapsed = elapsedBefore + now.timeIntervalSince(start)
            tokensSinceStart += report.tokens
            let stepRate = Double(report.tokens) / max(now.timeIntervalSince(stepStart), 1e-9)
            if completedSteps % logInterval == 0 || completedSteps == totalSteps {
                try log.append(step: completedSteps, loss: report.loss, learningRate: report.learningRate,
                               tokensPerSecond: stepRate, elapsedSeconds: elapsed, extra: report.metrics)
            }
            let rate = Double(tokensSinceStart) / max(now.timeIntervalSince(start), 1e-9)
            progress.update(completed: completedSteps,
                            detail: "loss \(String(format: "%.4f", report.loss)), \(ProgressReporter.formatRate(rate)) tok/s")
            let stopping = StopSignal.requested
            if completedSteps % checkpointInterval == 0 || completedSteps == totalSteps || stopping {
                try saveCheckpoint(elapsed: elapsed)
            }
            if stopping {
                progress.finish(completed: completedSteps)
                throw StopSignal.Stopped()
            }
        }
        progress.finish(completed: completedSteps)
    }

    private func saveCheckpoint(elapsed: Double) throws {
        try Profiler.measure("checkpoint") {
            let saved = Saved(completedSteps: completedSteps, elapsedSeconds: elapsed, metricsBytes: log.byteCount,
                              settings: settings, state: state)
            try Checkpoint.save(to: checkpointPath, parameterSets: trainees.flatMap(\.parameterSets),
                                optimizers: optimizers, state: saved)
        }
    }
}
