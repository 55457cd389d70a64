import CTKDCore
import CTKDCache

extension PipelineSteps {
    /// The teacher stage's step: `teach` (the cache).
    public static let teacherStage: [StepKind: any PipelineStep] = [.teach: TeachStep()]
}

/// `teach`: the teacher (`teacher`, a Hugging Face model directory, with `tokenizer`) over the
/// `data` split into a cache in the step's directory, every shard of `cache.shards` in turn.
///
/// Resuming is rerunning `TeachStage` on the same directory: committed examples are skipped and
/// the result equals an uninterrupted run's (docs/cache.md); a shard already complete costs one
/// metadata check.
struct TeachStep: PipelineStep {
    func run(_ step: PlannedStep, context: StepContext) throws {
        guard case .teach(let spec) = step.task else { throw context.wrongTask(step) }
        let teacher = try EngineTeacher(directory: try context.path("teacher"))
        let tokenizer = try HuggingFaceTeacherTokenizer(path: try context.path("tokenizer"))
        for index in 0..<spec.shards {
            let configuration = TeachStep.configuration(spec, data: try context.path("data"), output: context.outputDirectory,
                                                        shard: ShardName(index: index, count: spec.shards))
            let summary = try TeachStage.run(configuration, teacher: teacher, tokenizer: tokenizer)
            StandardError.line("\(context.label): shard \(configuration.shard): \(summary.examplesWritten) examples written, "
                               + "\(summary.examplesSkipped) already in the cache")
        }
    }

    /// The stage's settings for one shard of the spec.
    static func configuration(_ spec: CacheSpec, data: String, output: String, shard: ShardName) -> TeachConfiguration {
        var configuration = TeachConfiguration(dataPath: data, outputDirectory: output)
        configuration.topK = spec.topK
        configuration.sampledCount = spec.sampled
        configuration.byteDistributions = spec.byteDist
        configuration.beam = ByteBeamSettings(mode: .beam, width: spec.beam)
        configuration.shard = shard
        return configuration
    }
}
