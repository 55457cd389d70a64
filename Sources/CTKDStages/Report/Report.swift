import CTKDCore
import CTKDMetrics
import Foundation

/// A report on a set of students: training curves, scores with confidence intervals, and paired
/// differences against a baseline student. Build it from a configuration, then render it.
///
///     let configuration = ReportConfiguration(title: "demo", students: [
///         ReportStudent(name: "sft", metricsLog: "sft/metrics.jsonl", perExampleScores: "sft/scores.jsonl"),
///         ReportStudent(name: "bld", metricsLog: "bld/metrics.jsonl", perExampleScores: "bld/scores.jsonl",
///                       notes: ["loss": "CE + BLD"]),
///     ], baseline: "sft")
///     let report = try Report(configuration)
///     try report.write(markdown: "report.md", html: "report.html")
///     print(report.terminalSummary())
public struct Report: Sendable {
    /// A student with everything loaded.
    public struct Student: Sendable {
        public var student: ReportStudent
        public var log: TrainingLog?
        public var scores: CorpusScores?
        public var perExample: PerExampleScores?
        /// Against the baseline; nil for the baseline itself or without per-example scores.
        public var comparison: [PairedDifference]?

        public var name: String { student.name }
    }

    public let configuration: ReportConfiguration
    public let students: [Student]
    /// The metric keys the tables and the comparison show.
    public let metricKeys: [String]

    public init(_ configuration: ReportConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
        var students = try configuration.students.map { try Self.load($0, configuration.bootstrap) }

        let available = students.compactMap(\.scores).flatMap(\.primaryKeys)
        if let wanted = configuration.metrics {
            for key in wanted where !students.contains(where: { $0.scores?[key] != nil }) {
                throw CTKDError("metric \"\(key)\" is in no student's scores", field: "metrics")
            }
            metricKeys = wanted
        } else {
            var seen = Set<String>()
            metricKeys = available.filter { seen.insert($0).inserted }
        }

        if let baselineName = configuration.baseline,
           let baseline = students.first(where: { $0.name == baselineName }), let baseScores = baseline.perExample {
            for index in students.indices where students[index].name != baselineName {
                guard let scores = students[index].perExample else { continue }
                let keys = metricKeys.filter { scores.keys.contains($0) && baseScores.keys.contains($0) }
                guard !keys.isEmpty else { continue }
                do {
                    students[index].comparison = try PairedBootstrap.compare(scores, baseScores, keys: keys,
                                                                              options: configuration.bootstrap)
                } catch let error as CTKDError {
                    throw CTKDError("comparing \"\(students[index].name)\" with \"\(baselineName)\": \(error.message)",
                                    file: students[index].student.perExampleScores)
                }
            }
        }
        self.students = students
    }

    private static func load(_ student: ReportStudent, _ bootstrap: BootstrapOptions) throws -> Student {
        let log = try student.metricsLog.map(TrainingLog.load)
        let perExample = try student.perExampleScores.map(PerExampleScores.load)
        var scores = try student.corpusScores.map(CorpusScores.load)
        if scores == nil, let perExample { scores = CorpusScores(perExample, options: bootstrap) }
        return Student(student: student, log: log, scores: scores, perExample: perExample, comparison: nil)
    }

    /// Every note key of any student, in first-appearance order (sorted within a student).
    var noteKeys: [String] {
        var seen = Set<String>()
        return students.flatMap { $0.student.notes.keys.sorted() }.filter { seen.insert($0).inserted }
    }

    var confidenceLabel: String { String(format: "%g%%", configuration.confidence * 100) }

    /// Writes the Markdown and the HTML atomically (each either complete or not there).
    public func write(markdown markdownPath: String?, html htmlPath: String?) throws {
        if let markdownPath { try AtomicFile.write(markdown(), to: markdownPath) }
        if let htmlPath { try AtomicFile.write(html(), to: htmlPath) }
    }
}
