import ArgumentParser
import CTKDData

extension CTKD.DataCommand {
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate the synthetic demo dataset (extractive QA and dialogue summaries).",
            discussion: """
                Writes train.jsonl, validation.jsonl, test.jsonl and dataset.json (settings and \
                statistics) into --out. The same settings give byte-identical files. QA passages \
                state facts about several people (the distractors); dialogues reject proposals \
                before one is accepted. See docs/data.md.
                """)

        @Option(help: "The generator's seed.")
        var seed: UInt64 = 0

        @Option(help: "The directory to write into.")
        var out: String

        @Option(help: "Training examples.")
        var train = DemoConfig().train

        @Option(help: "Validation examples.")
        var validation = DemoConfig().validation

        @Option(help: "Test examples.")
        var test = DemoConfig().test

        @Option(help: "QA: other people per passage; dialogues: rejected proposals (0-6).")
        var distractors = DemoConfig().distractors

        @Option(help: "QA: kinds of fact stated about every person (1-5): the passage length.")
        var facts = DemoConfig().facts

        @Option(help: "The share of QA examples (the rest are dialogue summaries).")
        var qaFraction = DemoConfig().qaFraction

        func run() throws {
            let config = DemoConfig(seed: seed, train: train, validation: validation, test: test,
                                    distractors: distractors, facts: facts, qaFraction: qaFraction)
            let splits = try DemoDataset(config: config).generate()
            let description = try DemoDataset.write(splits, config: config, to: out)
            for split in splits {
                print(description.statistics[split.name]!.report("\(out)/\(split.name).jsonl"))
            }
        }
    }
}
