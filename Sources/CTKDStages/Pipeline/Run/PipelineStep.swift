import CTKDCore

/// The implementation of one kind of step. The executor calls `run` with the planned step (its
/// typed task, inputs and hash) and a context; `run` writes only under
/// `context.outputDirectory` and returns when the step's outputs are complete.
///
/// Contract:
/// - Resumable: when `context.resuming` is true, an earlier call for the same inputs was
///   interrupted (Ctrl-C, kill -9, an error) and left its partial output; continue from it and
///   finish with the same result as an uninterrupted run. A step cheap enough to redo may
///   simply start over (overwriting atomically).
/// - Stop at safe points when `StopSignal.requested` (throw `StopSignal.Stopped`).
/// - Do not write `step.json` or `step.in-progress.json`: they are the executor's.
///
///     struct TokenizerTrainStep: PipelineStep {
///         func run(_ step: PlannedStep, context: StepContext) throws {
///             guard case .trainTokenizer(let spec) = step.task else { throw context.wrongTask(step) }
///             let data = try context.path("data")
///             …write context.outputDirectory + "/" + StepProducts.tokenizer…
///         }
///     }
public protocol PipelineStep: Sendable {
    func run(_ step: PlannedStep, context: StepContext) throws
}

/// What a step implementation is told besides its plan.
public struct StepContext: Sendable {
    /// The step's own directory (created, and emptied for a redo, before `run`).
    public let outputDirectory: String
    /// True when continuing an interrupted run of the same inputs.
    public let resuming: Bool
    /// `[3/9] teacher`: the prefix for progress lines.
    public let label: String
    public let inputs: [StepInput]

    public init(outputDirectory: String, resuming: Bool, label: String, inputs: [StepInput]) {
        self.outputDirectory = outputDirectory
        self.resuming = resuming
        self.label = label
        self.inputs = inputs
    }

    /// The path of a named input; a missing name is a wiring error, reported as such.
    public func path(_ name: String) throws -> String {
        guard let input = inputs.first(where: { $0.name == name }) else {
            throw CTKDError("\(label): the step has no input \"\(name)\" (it has: \(inputs.map(\.name).joined(separator: ", ")))")
        }
        return input.path
    }

    /// The error for an implementation registered under the wrong kind.
    public func wrongTask(_ step: PlannedStep) -> CTKDError {
        CTKDError("\(label): the implementation registered for \(step.kind.rawValue) cannot run this step")
    }
}
