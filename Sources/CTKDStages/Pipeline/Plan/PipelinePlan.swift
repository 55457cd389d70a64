import CTKDCore

/// What running a pipeline would do to each step, decided from the step's output directory:
///
/// | output directory                          | action |
/// |-------------------------------------------|--------|
/// | absent or empty                           | run    |
/// | `step.json` with the same hash            | skip   |
/// | `step.in-progress.json` with the same hash| resume (the stage continues where it stopped) |
/// | either with another hash, or other files  | refuse, naming what differs |
/// | a step named by `--force`, or downstream of one | redo (the old output is removed first) |
public struct PipelinePlan: Sendable {
    public enum Action: Sendable, Equatable {
        case run(String)
        case redo(String)
        case resume
        case skip
        case refuse(String)

        public var name: String {
            switch self {
            case .run: "run"
            case .redo: "redo"
            case .resume: "resume"
            case .skip: "skip"
            case .refuse: "refuse"
            }
        }

        var isRun: Bool { if case .run = self { true } else { false } }

        public var reason: String {
            switch self {
            case .run(let reason), .redo(let reason), .refuse(let reason): reason
            case .resume: "interrupted run of the same inputs; the stage continues where it stopped"
            case .skip: "done with the same inputs and settings"
            }
        }
    }

    public struct Entry: Sendable {
        public var step: PlannedStep
        public var action: Action
    }

    public var name: String
    public var file: String
    public var outputDirectory: String
    public var entries: [Entry]

    /// Plans every step of `file`.
    ///
    /// - Parameters:
    ///   - outputDirectory: overrides the file's `output:`.
    ///   - force: step names (`*` matches any characters: `student.*`) to redo, with everything
    ///     that reads from them.
    public init(_ file: PipelineFile, outputDirectory: String? = nil, force: [String] = []) throws {
        let planner = PipelinePlanner(file, outputDirectory: outputDirectory)
        try self.init(name: file.spec.name.value, file: file.path, outputDirectory: planner.outputDirectory,
                      steps: try planner.steps(), force: force)
    }

    public init(name: String, file: String, outputDirectory: String, steps: [PlannedStep], force: [String] = []) throws {
        self.name = name
        self.file = file
        self.outputDirectory = outputDirectory
        var forced = Set<String>()
        for pattern in force {
            let matches = steps.filter { PipelinePlan.matches($0.name, pattern) }.map(\.name)
            guard !matches.isEmpty else {
                throw CTKDError("--force \(pattern): no such step (steps: \(steps.map(\.name).joined(separator: ", ")))")
            }
            forced.formUnion(matches)
        }
        var redone = [String: String]()  // step → why
        entries = try steps.map { step in
            if forced.contains(step.name) {
                redone[step.name] = "forced"
            } else if let upstream = step.dependencies.first(where: { redone[$0] != nil }) {
                redone[step.name] = "its input \(upstream) is redone"
            }
            let action = try PipelinePlan.inspect(step)
            if let why = redone[step.name], !action.isRun {
                return Entry(step: step, action: .redo(why))
            }
            return Entry(step: step, action: action)
        }
    }

    /// The action for one step, from its output directory alone.
    static func inspect(_ step: PlannedStep) throws -> Action {
        let directory = step.outputDirectory
        guard FileIO.isDirectory(directory) else {
            if FileIO.exists(directory) { return .refuse("\(directory) exists and is not a directory") }
            return .run("no output yet")
        }
        let names = try FileIO.list(directory)
        if names.contains(StepRecord.completeFile) {
            return try compare(step, StepRecord.read(directory + "/" + StepRecord.completeFile), same: .skip,
                               what: "made from different inputs")
        }
        if names.contains(StepRecord.inProgressFile) {
            return try compare(step, StepRecord.read(directory + "/" + StepRecord.inProgressFile), same: .resume,
                               what: "holds an interrupted run of different inputs")
        }
        if names.isEmpty { return .run("no output yet") }
        return .refuse("\(directory) holds files that no pipeline step recorded (\(names.prefix(3).joined(separator: ", "))"
                       + (names.count > 3 ? ", …" : "") + ")")
    }

    private static func compare(_ step: PlannedStep, _ record: StepRecord, same: Action, what: String) -> Action {
        if record.hash == step.hash { return same }
        return .refuse("\(what): " + record.differences(from: step).joined(separator: "; "))
    }

    static func matches(_ name: String, _ pattern: String) -> Bool {
        guard pattern.contains("*") else { return name == pattern }
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard name.hasPrefix(parts.first!) && name.hasSuffix(parts.last!) else { return false }
        var rest = Substring(name.dropFirst(parts.first!.count))
        for part in parts.dropFirst().dropLast() where !part.isEmpty {
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return rest.count >= parts.last!.count
    }

    /// Steps that would be refused; the executor starts nothing while there is one.
    public var refusals: [Entry] { entries.filter { if case .refuse = $0.action { true } else { false } } }

    /// The refusals as one error: each step, what differs, and the ways out.
    public func refusalError() -> CTKDError? {
        let refused = refusals
        guard !refused.isEmpty else { return nil }
        let lines = refused.map { "  \($0.step.name): \($0.action.reason)" }
        return CTKDError("""
            existing outputs in \(outputDirectory) were made differently from what \(file) asks now:
            \(lines.joined(separator: "\n"))
            nothing was run. To replace them: --force \(refused.map(\.step.name).joined(separator: " --force ")) \
            (which also redoes the steps that read from them); to keep them: choose another output directory.
            """)
    }

    /// The dry-run table: one line per step with its action and reason.
    public var table: String {
        let nameWidth = max(4, entries.map(\.step.name.count).max() ?? 0)
        let kindWidth = max(4, entries.map(\.step.kind.rawValue.count).max() ?? 0)
        func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
        var lines = ["pipeline \(name) (\(file)) → \(outputDirectory)",
                     "  " + pad("#", 3) + pad("step", nameWidth + 2) + pad("kind", kindWidth + 2) + pad("action", 8) + "reason"]
        for (index, entry) in entries.enumerated() {
            lines.append("  " + pad("\(index + 1)", 3) + pad(entry.step.name, nameWidth + 2)
                         + pad(entry.step.kind.rawValue, kindWidth + 2) + pad(entry.action.name, 8) + entry.action.reason)
        }
        let counts = ["run", "redo", "resume", "skip", "refuse"].compactMap { action -> String? in
            let count = entries.filter { $0.action.name == action }.count
            return count == 0 ? nil : "\(count) \(action)"
        }
        lines.append("  " + counts.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    /// Each step's hash, inputs and settings, for `--verbose`.
    public var details: String {
        entries.map { entry in
            let step = entry.step
            var lines = ["\(step.name) (\(step.kind.rawValue)) hash \(step.hash.prefix(16))", "  output \(step.outputDirectory)"]
            for input in step.inputs {
                lines.append("  input \(input.name): \(input.path)" + (input.producer.map { " (from \($0))" } ?? "")
                             + " \(input.hash.prefix(16))")
            }
            for line in step.config.flattened() { lines.append("  \(line.path) = \(line.value)") }
            return lines.joined(separator: "\n")
        }.joined(separator: "\n")
    }
}
