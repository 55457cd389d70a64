import CTKDCore
import Foundation

/// What a step's output directory says about how it was made: `step.json` once the step has
/// completed, `step.in-progress.json` while it runs (and after it was interrupted). Both are
/// written atomically, so a killed run leaves either the old file or the new one.
public struct StepRecord: Codable, Sendable, Equatable {
    public var step: String
    public var kind: String
    public var hash: String
    /// The flattened configuration (`path → value`), for telling what changed.
    public var config: [String: String]
    /// Input name → input hash.
    public var inputs: [String: String]
    public var ctkdVersion: String
    public var started: String
    public var completed: String?
    public var seconds: Double?

    public static let completeFile = "step.json"
    public static let inProgressFile = "step.in-progress.json"

    enum CodingKeys: String, CodingKey {
        case step, kind, hash, config, inputs, started, completed, seconds
        case ctkdVersion = "ctkd_version"
    }

    init(_ step: PlannedStep, started: Date) {
        self.step = step.name
        kind = step.kind.rawValue
        hash = step.hash
        config = step.config.lines
        inputs = Dictionary(uniqueKeysWithValues: step.inputs.map { ($0.name, $0.hash) })
        ctkdVersion = CTKDVersion.string
        self.started = StepRecord.timestamp(started)
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func read(_ path: String) throws -> StepRecord {
        do {
            return try JSONDecoder().decode(StepRecord.self, from: Data(try FileIO.read(path)))
        } catch let error as DecodingError {
            throw JSONLines.describe(error).located(file: path)
        } catch let error as CTKDError {
            throw error
        } catch {
            throw CTKDError("cannot read: \(error)", file: path)
        }
    }

    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(Array(try encoder.encode(self)) + [0x0A], to: path)
    }

    /// What differs between the step as recorded and as planned now, one phrase per difference:
    /// `config training.steps: 1500 → 2000`, `input tokenizer changed (made by step tokenizer.bpe)`.
    func differences(from step: PlannedStep) -> [String] {
        var differences = [String]()
        if kind != step.kind.rawValue { differences.append("kind \(kind) → \(step.kind.rawValue)") }
        let now = step.config.lines
        for path in Set(config.keys).union(now.keys).sorted() where config[path] != now[path] {
            switch (config[path], now[path]) {
            case (let old?, let new?): differences.append("config \(path): \(old) → \(new)")
            case (let old?, nil): differences.append("config \(path): \(old) → (removed)")
            case (nil, let new?): differences.append("config \(path): (absent) → \(new)")
            case (nil, nil): break
            }
        }
        for input in step.inputs where inputs[input.name] != input.hash {
            if inputs[input.name] == nil {
                differences.append("new input \(input.name)")
            } else if let producer = input.producer {
                differences.append("input \(input.name) changed (made by step \(producer))")
            } else {
                differences.append("input \(input.name) changed (the content of \(input.path))")
            }
        }
        for name in inputs.keys.sorted() where step.input(name) == nil {
            differences.append("input \(name) removed")
        }
        if differences.isEmpty && hash != step.hash { differences.append("hash \(hash.prefix(12)) → \(step.hash.prefix(12))") }
        return differences
    }
}
