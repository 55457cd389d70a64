import CTKDTestSupport
import Foundation
import Testing
@testable import CTKDCore
@testable import CTKDData

@Suite struct DemoDatasetTests {
    static let small = DemoConfig(seed: 3, train: 1500, validation: 100, test: 300)

    func generate(_ config: DemoConfig = small) throws -> [String: [DatasetExample]] {
        Dictionary(uniqueKeysWithValues: try DemoDataset(config: config).generate().map { ($0.name, $0.examples) })
    }

    /// (passage, question) of a QA prompt.
    func parts(_ prompt: String) throws -> (passage: String, question: String) {
        let lines = prompt.split(separator: "\n").map(String.init)
        try #require(lines.count == 3 && lines[0].hasPrefix("Context: ") && lines[2] == "Answer:")
        return (String(lines[0].dropFirst(9)), String(lines[1].dropFirst(10)))
    }

    @Test func sameSeedSameBytesOtherSeedOtherData() throws {
        let a = try generate(), b = try generate()
        #expect(a == b)
        var other = Self.small
        other.seed = 4
        #expect(try generate(other)["train"] != a["train"])
        // A longer split starts with the same examples.
        var longer = Self.small
        longer.train = 1600
        #expect(Array(try generate(longer)["train"]!.prefix(1500)) == a["train"])
    }

    @Test func splitsHaveTheirSizesAndNoPromptTwice() throws {
        let splits = try generate()
        #expect(splits.mapValues(\.count) == ["train": 1500, "validation": 100, "test": 300])
        let prompts = splits.values.flatMap { $0.map(\.prompt) }
        #expect(Set(prompts).count == prompts.count)
        #expect(splits["test"]!.first!.id == "test-000000")
    }

    @Test func qaAnswersAreSpansAmongSameTypeDistractors() throws {
        let examples = try generate()["train"]!.filter { $0.task == .qa }
        #expect(examples.count > 800)
        for example in examples {
            let (passage, _) = try parts(example.prompt)
            let answer = try #require(example.references?.first)
            #expect(example.response == " " + answer)
            #expect(passage.contains(answer))
            // Default settings: 3 people, 2 kinds of fact each → 6 sentences.
            #expect(passage.split(separator: ".").count == 6)
        }
        // Every "Where does X live?" passage names three cities, of which the answer is one.
        let cities = Set(DemoVocabulary.cities)
        let whereQuestions = examples.filter { $0.prompt.contains("\nQuestion: Where does ") }
        #expect(!whereQuestions.isEmpty)
        for example in whereQuestions {
            let words = try parts(example.prompt).passage.split { !$0.isLetter }.map(String.init)
            #expect(Set(words.filter(cities.contains)).count == 3)
        }
    }

    @Test func answersAreNotPredictableFromTheQuestionAlone() throws {
        // Baseline: for each question with the passage removed (names masked), answer what train
        // answered most often. Reading is needed: it must score far below what a reader gets.
        let splits = try generate()
        func key(_ example: DatasetExample) throws -> String {
            try parts(example.prompt).question.split(separator: " ").prefix(3).joined(separator: " ")
        }
        var counts = [String: [String: Int]]()
        for example in splits["train"]! where example.task == .qa {
            counts[try key(example), default: [:]][example.references![0], default: 0] += 1
        }
        let test = splits["test"]!.filter { $0.task == .qa }
        var correct = 0
        for example in test {
            let guess = counts[try key(example)]?.max { $0.value < $1.value }?.key
            if let guess, example.references!.contains(guess) { correct += 1 }
        }
        #expect(Double(correct) / Double(test.count) < 0.1)
    }

    @Test func dialogueSummariesFollowTheAcceptedProposal() throws {
        let examples = try generate()["train"]!.filter { $0.task == .summary }
        #expect(examples.count > 450)
        for example in examples {
            let summary = try #require(example.references?.first)
            #expect(example.response == " " + summary)
            let dialogue = example.prompt.dropFirst("Dialogue:\n".count).dropLast("\nSummary:".count)
            let speakers = dialogue.split(separator: "\n").map { $0.prefix { $0 != ":" } }
            #expect(summary.hasPrefix("\(speakers[0]) and \(speakers[1]) will meet at the "))
            // 2 rejected proposals: the meeting place and day are the third proposal's (a
            // rejection turn names the rejected place or day first, then the new proposal).
            let proposals = dialogue.split(separator: "\n")[2...4].map { line in
                let words = line.split { !$0.isLetter }.map(String.init)
                return (words.last(where: DemoVocabulary.places.contains)!, words.last(where: DemoVocabulary.days.contains)!)
            }
            #expect(summary.contains("at the \(proposals[2].0) on \(proposals[2].1)"))
            #expect(!summary.contains(proposals[0].0) && !summary.contains(proposals[1].1))
            let words = DatasetStatistics.wordCount(summary)
            #expect((12...19).contains(words))
        }
    }

    @Test func defaultsFitTheDemoBudget() throws {
        let train = try generate()["train"]!
        let statistics = DatasetStatistics(train)
        #expect(statistics.promptWords.min >= 25 && statistics.promptWords.max <= 85)
        #expect(statistics.vocabulary < 400)
        #expect(abs(Double(statistics.tasks["qa"]!) / 1500 - 0.6) < 0.05)
    }

    @Test func difficultyKnobsChangePassages() throws {
        let hard = try generate(DemoConfig(seed: 1, train: 200, validation: 0, test: 0, distractors: 4, facts: 3, qaFraction: 1))
        for example in hard["train"]! {
            #expect(try parts(example.prompt).passage.split(separator: ".").count == 15)
        }
        let easy = try generate(DemoConfig(seed: 1, train: 100, validation: 0, test: 0, distractors: 0, facts: 1, qaFraction: 0))
        for example in easy["train"]! {
            #expect(example.prompt.split(separator: "\n").count <= 7)  // header, 4-5 turns, footer
        }
    }

    @Test func settingsOutOfRangeAreRefused() {
        #expect(throws: CTKDError("must be between 1 and 5", field: "facts")) {
            try DemoDataset(config: DemoConfig(facts: 0)).generate()
        }
        #expect(throws: CTKDError("must be between 0 and 6", field: "distractors")) {
            try DemoDataset(config: DemoConfig(distractors: 7)).generate()
        }
    }

    @Test func writeProducesSplitFilesAndDescription() throws {
        let directory = try TestSupport.temporaryDirectory("ctkd-demo")
        let config = DemoConfig(seed: 9, train: 20, validation: 5, test: 5)
        try DemoDataset.write(try DemoDataset(config: config).generate(), config: config, to: directory)
        #expect(try FileIO.list(directory) == ["dataset.json", "test.jsonl", "train.jsonl", "validation.jsonl"])
        #expect(try DatasetFile.read(directory + "/train.jsonl").count == 20)
        let description = try JSONDecoder().decode(DatasetDescription.self, from: Data(try FileIO.read(directory + "/dataset.json")))
        #expect(description.config == config)
        #expect(description.statistics["test"]?.examples == 5)
    }
}
