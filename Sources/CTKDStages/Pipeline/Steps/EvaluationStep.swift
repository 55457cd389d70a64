import CTKDCore
import CTKDMetrics

/// `eval`: `EvaluationStage` over the step's model, tokenizer and split; a resumed step continues
/// from the predictions already in its store.
struct EvaluationStep: PipelineStep {
    /// Prompts decoded together; part of what the predictions depend on, so fixed here.
    static let batchSize = 16

    func run(_ step: PlannedStep, context: StepContext) throws {
        guard case .evaluate(let spec, _) = step.task else { throw context.wrongTask(step) }
        var options = EvaluationOptions(modelDirectory: try context.path("model"), tokenizerPath: try context.path("tokenizer"),
                                        dataPath: try context.path("data"), outputDirectory: context.outputDirectory)
        options.maxNewTokens = spec.maxNewTokens
        options.batchSize = Self.batchSize
        options.sample = spec.sample
        options.metrics = Self.metrics(spec.metrics)
        options.bootstrap = BootstrapOptions(resamples: spec.bootstrap)
        var stage = EvaluationStage(options)
        stage.label = context.label
        let result = try stage.run()
        let means = result.summary.groups.map { group in
            group.name + " " + group.means.sorted { $0.key < $1.key }.map { "\($0.key) \(CorpusScores.format($0.value))" }
                .joined(separator: ", ")
        }
        StandardError.line("\(context.label): \(means.joined(separator: "; "))")
    }

    /// `auto` wins; otherwise the metric groups that hold the listed metrics (the report shows
    /// only the listed ones).
    static func metrics(_ listed: [EvaluationSpec.Metric]) -> EvaluationOptions.Metrics {
        if listed.contains(.auto) { return .auto }
        let squad = listed.contains { $0 == .em || $0 == .f1 }
        let rouge = listed.contains { $0 != .em && $0 != .f1 }
        return squad && rouge ? .all : squad ? .squad : .rouge
    }
}
