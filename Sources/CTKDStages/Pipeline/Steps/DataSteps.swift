import CTKDCore
import CTKDData

/// The step implementations this module provides.
public enum PipelineSteps {
    /// Data import and demo generation; the integrator adds the stages' steps to these.
    public static let data: [StepKind: any PipelineStep] = [.dataImport: DataImportStep(), .dataDemo: DemoDataStep()]
}

/// `data.import`: each source file through its adapter, optionally sampled, into its split (or
/// divided among splits by id hash); then one `<split>.jsonl` per split and `dataset.json`.
/// Cheap and deterministic, so an interrupted run simply starts over (files are written
/// atomically).
struct DataImportStep: PipelineStep {
    func run(_ step: PlannedStep, context: StepContext) throws {
        guard case .importData(let sources, let salt) = step.task else { throw context.wrongTask(step) }
        var splits = [(name: String, examples: [DatasetExample])]()
        func append(_ name: String, _ examples: [DatasetExample]) {
            if let index = splits.firstIndex(where: { $0.name == name }) {
                splits[index].examples += examples
            } else {
                splits.append((name, examples))
            }
        }
        for (index, source) in sources.enumerated() {
            let path = try context.path("source[\(index)]")
            let result = try DatasetImporter.importFile(path, options: source.options)
            for note in result.notes { StandardError.line("\(context.label): \(source.path.text): \(note)") }
            var examples = result.examples
            if let sample = source.sample { examples = DatasetSplitter.sample(examples, count: sample, salt: salt) }
            switch source.target {
            case .split(let name): append(name, examples)
            case .fractions(let fractions):
                for part in DatasetSplitter.split(examples, fractions: fractions, salt: salt) { append(part.name, part.examples) }
            }
            StandardError.line("\(context.label): \(source.path.text): \(examples.count) examples")
        }
        for split in splits {
            var seen = Set<String>()
            if let duplicate = split.examples.first(where: { !seen.insert($0.id).inserted }) {
                throw CTKDError("split \"\(split.name)\" gets example id \"\(duplicate.id)\" from two sources")
            }
        }
        try DatasetDescription.write(splits, generator: "ctkd data import", to: context.outputDirectory)
    }
}

/// `data.demo`: the synthetic demo dataset (train, validation, test) and `dataset.json`.
struct DemoDataStep: PipelineStep {
    func run(_ step: PlannedStep, context: StepContext) throws {
        guard case .generateDemo(let config) = step.task else { throw context.wrongTask(step) }
        let splits = try DemoDataset(config: config).generate()
        try DemoDataset.write(splits, config: config, to: context.outputDirectory)
        StandardError.line("\(context.label): " + splits.map { "\($0.name) \($0.examples.count)" }.joined(separator: ", "))
    }
}
