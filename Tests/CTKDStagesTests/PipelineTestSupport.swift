import CTKDTestSupport
import Foundation
import Synchronization
@testable import CTKDCore
@testable import CTKDStages

/// Pipeline files written into a fresh directory, with whatever data files they name.
struct PipelineFixture {
    let directory: String

    init() throws { directory = try TestSupport.temporaryDirectory("ctkd-pipeline") }

    /// Writes `text` as `name` in the fixture directory and returns its path.
    @discardableResult
    func write(_ text: String, as name: String = "pipeline.yaml") throws -> String {
        let path = directory + "/" + name
        if let slash = name.lastIndex(of: "/") { try FileIO.createDirectory(directory + "/" + name[..<slash]) }
        try AtomicFile.write(text, to: path)
        return path
    }

    func load(_ text: String, environment: [String: String] = [:]) throws -> PipelineFile {
        try PipelineFile.load(try write(text), environment: environment)
    }

    /// The problems reported for `text`, as the CLI prints them.
    func problems(_ text: String, environment: [String: String] = [:]) throws -> [String] {
        let path = try write(text)
        do {
            _ = try PipelineFile.load(path, environment: environment)
            return []
        } catch let error as PipelineValidationError {
            return error.errors.map(\.description)
        }
    }
}

/// A small complete pipeline over generated data, with every kind of step.
let smallPipeline = """
    name: small
    output: out
    seed: 5
    data:
      demo: {train: 40, validation: 10, test: 10}
    tokenizers:
      t300: {train: {vocab_size: 300}}
      t400: {train: {vocab_size: 400}}
    teacher:
      tokenizer: t300
      model: {layers: 2, d_model: 64, heads: 4}
      steps: 10
    cache: {top_k: 8}
    students:
      - {name: sft, tokenizer: t400, model: &s {layers: 1, d_model: 32, heads: 2}, steps: 5, loss: sft}
      - {name: kl, tokenizer: teacher, model: *s, steps: 5, loss: kl}
      - {name: mlot, tokenizer: t400, model: *s, steps: 5, loss: mlot, mlot: {beta: 0.2}}
    evaluations:
      - {split: test, max_new_tokens: 8}
    """

/// A step implementation for tests: records each call, writes `out.txt`, and can be told to fail.
final class FakeStep: PipelineStep, @unchecked Sendable {
    struct Call: Equatable {
        var step: String
        var resuming: Bool
    }

    private let state = Mutex<(calls: [Call], failing: Set<String>)>(([], []))

    var calls: [Call] { state.withLock { $0.calls } }

    /// Makes the next run of `step` write a partial file and throw.
    func failNext(_ step: String) { state.withLock { _ = $0.failing.insert(step) } }

    func run(_ step: PlannedStep, context: StepContext) throws {
        let shouldFail = state.withLock { state -> Bool in
            state.calls.append(Call(step: step.name, resuming: context.resuming))
            return state.failing.remove(step.name) != nil
        }
        for input in step.inputs where input.producer != nil && !FileIO.exists(input.path) {
            throw CTKDError("\(step.name): input \(input.name) missing at \(input.path)")
        }
        if shouldFail {
            try AtomicFile.write("partial", to: context.outputDirectory + "/partial.txt")
            throw CTKDError("\(step.name) failed on purpose")
        }
        for product in FakeStep.products(of: step) {
            let path = context.outputDirectory + "/" + product
            if product == StepProducts.model {
                try FileIO.createDirectory(path)
                try AtomicFile.write("{}", to: path + "/config.json")
            } else {
                try AtomicFile.write(step.name, to: path)
            }
        }
    }

    static func products(of step: PlannedStep) -> [String] {
        switch step.kind {
        case .dataDemo, .dataImport: ["train.jsonl", "validation.jsonl", "test.jsonl"]
        case .tokenizerTrain: [StepProducts.tokenizer]
        case .teacherTrain, .distill: [StepProducts.model]
        case .teach: ["shard-0.sqlite"]
        case .evaluate: [StepProducts.scores]
        case .report: [StepProducts.report]
        }
    }

    /// The same fake for every kind.
    func everyKind() -> [StepKind: any PipelineStep] {
        Dictionary(uniqueKeysWithValues: StepKind.allCases.map { ($0, self as any PipelineStep) })
    }
}
