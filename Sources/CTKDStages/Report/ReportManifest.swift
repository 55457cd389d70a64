import CTKDCore
import CTKDMetrics
import Foundation
import Yams

/// One student in a report: where its training log and scores are, and notes to show beside it.
public struct ReportStudent: Codable, Sendable, Equatable {
    public var name: String
    /// Training metrics log (JSON Lines of step, loss, lr, tokens_per_second, … and loss terms).
    public var metricsLog: String?
    /// Per-example scores (`ctkd score --per-example`), for paired comparisons.
    public var perExampleScores: String?
    /// Corpus scores (`ctkd score --json`); computed from the per-example scores when absent.
    public var corpusScores: String?
    /// Free-form facts shown in the students table, e.g. tokenizer, loss, size.
    public var notes: [String: String]

    public init(name: String, metricsLog: String? = nil, perExampleScores: String? = nil,
                corpusScores: String? = nil, notes: [String: String] = [:]) {
        self.name = name
        self.metricsLog = metricsLog
        self.perExampleScores = perExampleScores
        self.corpusScores = corpusScores
        self.notes = notes
    }

    enum CodingKeys: String, CodingKey {
        case name
        case metricsLog = "metrics_log"
        case perExampleScores = "per_example"
        case corpusScores = "scores"
        case notes
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        metricsLog = try container.decodeIfPresent(String.self, forKey: .metricsLog)
        perExampleScores = try container.decodeIfPresent(String.self, forKey: .perExampleScores)
        corpusScores = try container.decodeIfPresent(String.self, forKey: .corpusScores)
        notes = try container.decode(.notes, default: [:])
    }
}

/// What a report shows: the students, the baseline they are compared with, which metrics.
///
/// The pipeline builds one in code; `ctkd report` reads it from a YAML (or JSON) manifest whose
/// relative paths are relative to the manifest's folder:
///
///     title: Distillation of SmolLM2 into 3 students
///     baseline: sft
///     metrics: [f1, rougeLsum]        # optional; default: every headline metric
///     students:
///       - name: sft
///         metrics_log: runs/sft/metrics.jsonl
///         per_example: runs/sft/scores.jsonl
///         scores: runs/sft/scores.json
///         notes: {tokenizer: GPT-2 BPE, loss: CE, size: 12M}
public struct ReportConfiguration: Codable, Sendable, Equatable {
    public var title: String
    public var students: [ReportStudent]
    /// The name of the student every other one is compared with (usually the SFT one).
    public var baseline: String?
    /// Metric keys to show; nil: every headline metric found in the score files.
    public var metrics: [String]?
    /// Plot each loss term of each student's log, not only the total loss.
    public var plotLossTerms: Bool
    public var resamples: Int
    public var seed: UInt64
    public var confidence: Double

    public init(title: String = "ctkd report", students: [ReportStudent], baseline: String? = nil,
                metrics: [String]? = nil, plotLossTerms: Bool = true, bootstrap: BootstrapOptions = BootstrapOptions()) {
        self.title = title
        self.students = students
        self.baseline = baseline
        self.metrics = metrics
        self.plotLossTerms = plotLossTerms
        resamples = bootstrap.resamples
        seed = bootstrap.seed
        confidence = bootstrap.confidence
    }

    public var bootstrap: BootstrapOptions {
        BootstrapOptions(resamples: resamples, seed: seed, confidence: confidence)
    }

    enum CodingKeys: String, CodingKey {
        case title, students, baseline, metrics, resamples, seed, confidence
        case plotLossTerms = "plot_loss_terms"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = BootstrapOptions()
        title = try container.decode(.title, default: "ctkd report")
        students = try container.decode([ReportStudent].self, forKey: .students)
        baseline = try container.decodeIfPresent(String.self, forKey: .baseline)
        metrics = try container.decodeIfPresent([String].self, forKey: .metrics)
        plotLossTerms = try container.decode(.plotLossTerms, default: true)
        resamples = try container.decode(.resamples, default: defaults.resamples)
        seed = try container.decode(.seed, default: defaults.seed)
        confidence = try container.decode(.confidence, default: defaults.confidence)
    }

    /// Checks what the types cannot: names unique and non-empty, the baseline one of them,
    /// bootstrap settings in range.
    public func validate() throws {
        guard !students.isEmpty else { throw CTKDError("no students", field: "students") }
        var seen = Set<String>()
        for (index, student) in students.enumerated() {
            guard !student.name.isEmpty else { throw CTKDError("empty name", field: "students[\(index)].name") }
            guard seen.insert(student.name).inserted else {
                throw CTKDError("duplicate student name \"\(student.name)\"", field: "students[\(index)].name")
            }
        }
        if let baseline, !seen.contains(baseline) {
            throw CTKDError("\"\(baseline)\" is not one of the students (\(students.map(\.name).joined(separator: ", ")))",
                            field: "baseline")
        }
        guard resamples >= 0 else { throw CTKDError("must be 0 or more", field: "resamples") }
        guard confidence > 0 && confidence < 1 else { throw CTKDError("must be between 0 and 1", field: "confidence") }
    }

    /// Reads a YAML or JSON manifest; relative paths become relative to its folder.
    public static func load(_ path: String) throws -> ReportConfiguration {
        let text = try FileIO.readText(path)
        var configuration: ReportConfiguration
        do {
            configuration = try YAMLDecoder().decode(ReportConfiguration.self, from: text)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                throw invalidYAML(context.underlyingError ?? error, path)
            }
            throw JSONLines.describe(error).located(file: path)
        } catch {
            throw invalidYAML(error, path)
        }
        do {
            try configuration.validate()
        } catch let error as CTKDError {
            throw error.located(file: path)
        }
        let directory = (path as NSString).deletingLastPathComponent
        func resolve(_ file: String?) -> String? {
            guard let file, !file.hasPrefix("/"), !directory.isEmpty else { return file }
            return directory + "/" + file
        }
        for index in configuration.students.indices {
            configuration.students[index].metricsLog = resolve(configuration.students[index].metricsLog)
            configuration.students[index].perExampleScores = resolve(configuration.students[index].perExampleScores)
            configuration.students[index].corpusScores = resolve(configuration.students[index].corpusScores)
        }
        return configuration
    }
}

/// Yams describes a syntax error over several lines (with the YAML echoed); the first says it.
private func invalidYAML(_ error: any Error, _ path: String) -> CTKDError {
    let first = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
    return CTKDError("not valid YAML: \(first)", file: path)
}
