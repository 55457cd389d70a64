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
    /// Distinct lower-cased words over prompts and responses: runs of ASCII letters and digits, a
    /// non-ASCII byte counting as a letter.
    public var vocabulary: Int

    public init(_ examples: [DatasetExample]) {
        self.examples = examples.count
        var tasks = [String: Int]()
        var vocabulary = Set<UInt64>()
        var promptWords = [Int](), responseWords = [Int]()
        for example in examples {
            tasks[example.task?.rawValue ?? "none", default: 0] += 1
            promptWords.append(DatasetStatistics.scanWords(example.prompt) { vocabulary.insert($0) })
            responseWords.append(DatasetStatistics.scanWords(example.response ?? "") { vocabulary.insert($0) })
        }
        self.tasks = tasks
        self.vocabulary = vocabulary.count
        self.promptWords = Summary(promptWords)
        self.responseWords = Summary(responseWords)
        referencesPerExample = Summary(examples.map { $0.references?.count ?? 0 })
    }

    /// Runs of non-white-space characters (space, tab, newline).
    static func wordCount(_ text: String) -> Int { scanWords(text) { _ in } }

    /// One pass over the UTF-8 bytes: returns the number of white-space-separated words and
    /// calls `vocabularyWord` with the FNV-1a hash of every lower-cased run of ASCII letters and
    /// digits (a non-ASCII byte counts as a letter). Hashes rather than strings, so counting
    /// distinct words allocates nothing per word; a collision among a few hundred thousand words
    /// is a 1e-9 event.
    static func scanWords(_ text: String, _ vocabularyWord: (UInt64) -> Void) -> Int {
        let offsetBasis: UInt64 = 0xcbf29ce484222325, prime: UInt64 = 0x100000001b3
        var text = text
        return text.withUTF8 { bytes in
            var count = 0, inWord = false
            var hash = offsetBasis, inToken = false
            for byte in bytes {
                let space = byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
                if !space && !inWord { count += 1 }
                inWord = !space
                let folded: UInt8
                switch byte {
                case 0x41...0x5A: folded = byte | 0x20
                case 0x61...0x7A, 0x30...0x39, 0x80...: folded = byte
                default:
                    if inToken { vocabularyWord(hash) }
                    hash = offsetBasis
                    inToken = false
                    continue
                }
                hash = (hash ^ UInt64(folded)) &* prime
                inToken = true
            }
            if inToken { vocabularyWord(hash) }
            return count
        }
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
