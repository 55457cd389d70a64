import CTKDCore
import Foundation

/// The settings of the synthetic demo dataset (`ctkd data demo`); equal settings give
/// byte-identical files on every machine.
public struct DemoConfig: Codable, Sendable, Equatable {
    public var seed: UInt64
    public var train: Int
    public var validation: Int
    public var test: Int
    /// QA: people in a passage besides the one asked about; dialogues: rejected proposals.
    public var distractors: Int
    /// QA: kinds of fact stated about every person (the passage has `facts × (1 + distractors)`
    /// sentences).
    public var facts: Int
    /// The share of QA examples; the rest are dialogue summaries.
    public var qaFraction: Double

    public init(seed: UInt64 = 0, train: Int = 6000, validation: Int = 300, test: Int = 500,
                distractors: Int = 2, facts: Int = 2, qaFraction: Double = 0.6) {
        self.seed = seed
        self.train = train
        self.validation = validation
        self.test = test
        self.distractors = distractors
        self.facts = facts
        self.qaFraction = qaFraction
    }

    public func validate() throws {
        for (name, count) in [("train", train), ("validation", validation), ("test", test)] where count < 0 {
            throw CTKDError("must not be negative", field: name)
        }
        guard (0...min(DemoQA.maximumDistractors, DemoDialogue.maximumRejected)).contains(distractors) else {
            throw CTKDError("must be between 0 and \(DemoQA.maximumDistractors)", field: "distractors")
        }
        guard (1...DemoQA.maximumFacts).contains(facts) else {
            throw CTKDError("must be between 1 and \(DemoQA.maximumFacts)", field: "facts")
        }
        guard (0...1).contains(qaFraction) else { throw CTKDError("must be between 0 and 1", field: "qa_fraction") }
    }
}

/// Generates the demo dataset: extractive QA over generated passages and summaries of generated
/// dialogues (see `DemoQA` and `DemoDialogue`), mixed in each split, every example tagged with
/// its `task`.
///
///     let splits = try DemoDataset(config: DemoConfig(seed: 7)).generate()
///     try DemoDataset.write(splits, config: config, to: "demo-data")   // train/validation/test.jsonl
///
/// Example i of a split is drawn from its own generator derived from (seed, split, i), so the
/// first n examples do not depend on how many follow. No prompt occurs twice, within or across
/// splits: the test split is generated first, then validation, then train, and a draw whose
/// prompt was already taken is redrawn.
public struct DemoDataset {
    public var config: DemoConfig

    public init(config: DemoConfig) { self.config = config }

    public static let splitNames = ["train", "validation", "test"]

    /// The three splits in the order train, validation, test.
    public func generate() throws -> [(name: String, examples: [DatasetExample])] {
        try config.validate()
        let qa = DemoQA(distractors: config.distractors, facts: config.facts)
        let dialogue = DemoDialogue(rejected: config.distractors)
        let base = SeededRandom(seed: config.seed)
        var taken = Set<String>()
        var splits = [String: [DatasetExample]]()
        for (code, name) in [(3, "test"), (2, "validation"), (1, "train")] {
            let count = name == "train" ? config.train : name == "validation" ? config.validation : config.test
            var examples = [DatasetExample]()
            examples.reserveCapacity(count)
            for index in 0..<count {
                var attempt: UInt64 = 0
                while true {
                    var rng = base.derived(UInt64(code) << 56 | attempt << 32 | UInt64(index))
                    let example = try makeExample(id: DemoDataset.id(split: name, index: index), qa: qa,
                                                  dialogue: dialogue, &rng)
                    if taken.insert(example.prompt).inserted {
                        examples.append(example)
                        break
                    }
                    attempt += 1
                    guard attempt < 1000 else {
                        throw CTKDError("these settings allow too few distinct examples for \(count) in \(name); "
                                        + "raise distractors or facts, or ask for fewer examples")
                    }
                }
            }
            splits[name] = examples
        }
        return DemoDataset.splitNames.map { ($0, splits[$0]!) }
    }

    /// `train-000042`: the split and the index, so ids sort in generation order.
    static func id(split: String, index: Int) -> String {
        let digits = String(index)
        return split + "-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    private func makeExample(id: String, qa: DemoQA, dialogue: DemoDialogue,
                             _ rng: inout SeededRandom) throws -> DatasetExample {
        if rng.nextDouble() < config.qaFraction {
            let (passage, question) = qa.generate(&rng)
            let template = PromptTemplate.qa
            let prompt = try template.render { ["context": passage, "question": question.text][$0] }
            return DatasetExample(id: id, prompt: prompt, response: template.response(question.answer),
                                  references: question.references, task: .qa)
        }
        let (text, summary) = dialogue.generate(&rng)
        let template = PromptTemplate.dialogueSummary
        let prompt = try template.render { $0 == "dialogue" ? text : nil }
        return DatasetExample(id: id, prompt: prompt, response: template.response(summary),
                              references: [summary], task: .summary)
    }

    /// Writes `<name>.jsonl` for every split and `dataset.json` (the settings and each split's
    /// statistics) into `directory`, each file atomically.
    @discardableResult
    public static func write(_ splits: [(name: String, examples: [DatasetExample])], config: DemoConfig,
                             to directory: String) throws -> DatasetDescription {
        try DatasetDescription.write(splits, generator: "ctkd data demo", demo: config, to: directory)
    }
}
