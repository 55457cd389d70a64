import CTKDCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a plan: every step in order, through the implementation registered for its kind.
///
///     let plan = try PipelinePlan(try PipelineFile.load("pipelines/demo.yaml"))
///     try PipelineExecutor(plan: plan, steps: PipelineSteps.data.merging(stageSteps) { $1 }).run()
///
/// Before any work it refuses the whole run if a step would be refused or has no
/// implementation, and takes a lock on the work directory so two runs cannot interleave. For
/// each step to run it writes `step.in-progress.json` (with the hash) into the step's directory,
/// calls the step, then writes `step.json` and removes the marker. A step that throws or is
/// killed leaves the marker: the next run resumes it.
public struct PipelineExecutor {
    public let plan: PipelinePlan
    public let steps: [StepKind: any PipelineStep]
    /// Where progress lines go (standard error by default).
    public var log: (String) -> Void

    public init(plan: PipelinePlan, steps: [StepKind: any PipelineStep], log: @escaping (String) -> Void = StandardError.line) {
        self.plan = plan
        self.steps = steps
        self.log = log
    }

    /// Runs the plan; returns the names of the steps that ran (not those skipped).
    @discardableResult
    public func run() throws -> [String] {
        if let error = plan.refusalError() { throw error }
        let missing = Set(plan.entries.filter { $0.action != .skip && steps[$0.step.kind] == nil }.map(\.step.kind.rawValue))
        guard missing.isEmpty else {
            throw CTKDError("no implementation for step kind \(missing.sorted().joined(separator: ", ")); nothing was run")
        }
        try FileIO.createDirectory(plan.outputDirectory)
        let lock = try DirectoryLock(plan.outputDirectory)
        defer { lock.release() }

        var ran = [String]()
        let start = Date()
        for (index, entry) in plan.entries.enumerated() {
            let step = entry.step
            let label = "[\(index + 1)/\(plan.entries.count)] \(step.name)"
            switch entry.action {
            case .skip:
                log("\(label): skip (done with the same inputs, \(step.hash.prefix(12)))")
                continue
            case .refuse(let reason):
                throw CTKDError("\(label): \(reason)")  // unreachable: refusals stop the run above
            case .redo:
                try FileManager.default.removeItem(atPath: step.outputDirectory)
            case .run, .resume:
                break
            }
            try StopSignal.checkpoint()
            log("\(label): \(entry.action.name) \(step.kind.rawValue)")
            let stepStart = Date()
            try FileIO.createDirectory(step.outputDirectory)
            var record = StepRecord(step, started: stepStart)
            try record.write(to: step.outputDirectory + "/" + StepRecord.inProgressFile)
            let context = StepContext(outputDirectory: step.outputDirectory, resuming: entry.action == .resume,
                                      label: label, inputs: step.inputs)
            try steps[step.kind]!.run(step, context: context)
            record.completed = StepRecord.timestamp(Date())
            record.seconds = (Date().timeIntervalSince(stepStart) * 10).rounded() / 10
            try record.write(to: step.outputDirectory + "/" + StepRecord.completeFile)
            try FileIO.remove(step.outputDirectory + "/" + StepRecord.inProgressFile)
            log("\(label): done in \(ProgressReporter.formatDuration(Date().timeIntervalSince(stepStart)))")
            ran.append(step.name)
        }
        log("pipeline \(plan.name): \(ran.count) steps ran, \(plan.entries.count - ran.count) skipped, "
            + "in \(ProgressReporter.formatDuration(Date().timeIntervalSince(start)))")
        return ran
    }
}

/// An exclusive `flock` on `<directory>/.ctkd-pipeline.lock`, released on exit even after kill -9
/// (the kernel drops it with the process).
final class DirectoryLock {
    private var fd: Int32

    init(_ directory: String) throws {
        let path = directory + "/.ctkd-pipeline.lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CTKDError("cannot open the lock file: \(String(cString: strerror(errno)))", file: path) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw CTKDError("another ctkd run is using this work directory", file: directory)
        }
    }

    func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
