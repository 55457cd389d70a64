import CTKDCore
import Foundation

/// Sizes of a normalised dataset, for `ctkd data stats` and the demo generator's summary.
public struct DatasetStatistics: Codable, Sendable, Equatable {
    /// Minimum, mean and maximum of a count over examples.
    public struct Summary: Codable, Sendable, Equatable {
        public var min: Int
        public var mean: Double
        public var max: Int

        init(_ values: [Int]) {
            min = values.min() ?? 0
            max = values.max() ?? 0
            mean = values.isEmpty ? 0 : Double(values.reduce(0, +)) / Double(values.count)
        }
    }

    public var examples: Int
    /// Examples per task (`none` for those without one).
    public var tasks: [String: Int]
    /// Words are runs of non-space characters.
    public var promptWords: Summary
    public var responseWords: Summary
    public var referencesPerExample: Summary
    /// Distinct lower-cased words (letters and digits only) over prompts and responses.
    public var vocabulary: Int

    public init(_ examples: [DatasetExample]) {
        self.examples = examples.count
        var tasks = [String: Int]()
        var vocabulary = Set<Substring>()
        for example in examples {
            tasks[example.task?.rawValue ?? "none", default: 0] += 1
            for text in [example.prompt, example.response ?? ""] {
                for word in text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }) {
                    vocabulary.insert(word)
                }
            }
        }
        self.tasks = tasks
        self.vocabulary = vocabulary.count
        promptWords = Summary(examples.map { DatasetStatistics.wordCount($0.prompt) })
        responseWords = Summary(examples.map { DatasetStatistics.wordCount($0.response ?? "") })
        referencesPerExample = Summary(examples.map { $0.references?.count ?? 0 })
    }

    static func wordCount(_ text: String) -> Int {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).count
    }

    /// Aligned lines for a terminal: one row per measure.
    public var table: String {
        func row(_ label: String, _ summary: Summary) -> String {
            label.padding(toLength: 22, withPad: " ", startingAt: 0)
                + "min \(summary.min), mean \(String(format: "%.1f", summary.mean)), max \(summary.max)"
        }
        let taskText = tasks.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return """
            examples              \(examples) (\(taskText))
            \(row("prompt words", promptWords))
            \(row("response words", responseWords))
            \(row("references", referencesPerExample))
            vocabulary            \(vocabulary) words
            """
    }
}
