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
    /// Distinct lower-cased words (runs of letters and digits) over prompts and responses.
    public var vocabulary: Int

    public init(_ examples: [DatasetExample]) {
        self.examples = examples.count
        var tasks = [String: Int]()
        var vocabulary = Set<[UInt8]>()
        for example in examples {
            tasks[example.task?.rawValue ?? "none", default: 0] += 1
            DatasetStatistics.forEachWord(example.prompt) { vocabulary.insert($0) }
            DatasetStatistics.forEachWord(example.response ?? "") { vocabulary.insert($0) }
        }
        self.tasks = tasks
        self.vocabulary = vocabulary.count
        promptWords = Summary(examples.map { DatasetStatistics.wordCount($0.prompt) })
        responseWords = Summary(examples.map { DatasetStatistics.wordCount($0.response ?? "") })
        referencesPerExample = Summary(examples.map { $0.references?.count ?? 0 })
    }

    /// Runs of non-white-space characters (space, tab, newline).
    static func wordCount(_ text: String) -> Int {
        var count = 0
        var inWord = false
        for byte in text.utf8 {
            let space = byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
            if !space && !inWord { count += 1 }
            inWord = !space
        }
        return count
    }

    /// Lower-cased runs of ASCII letters and digits (any non-ASCII byte counts as a letter), as
    /// UTF-8 bytes: byte-level work, because Character properties cost seconds on large files.
    static func forEachWord(_ text: String, _ body: ([UInt8]) -> Void) {
        var word = [UInt8]()
        for byte in text.utf8 {
            switch byte {
            case 0x41...0x5A: word.append(byte + 0x20)
            case 0x61...0x7A, 0x30...0x39, 0x80...: word.append(byte)
            default:
                if !word.isEmpty { body(word) }
                word.removeAll(keepingCapacity: true)
            }
        }
        if !word.isEmpty { body(word) }
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
