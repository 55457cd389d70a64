import CTKDMetrics
import Foundation

/// The report's tables as rows of cell text, shared by the Markdown, HTML and terminal renderers.
extension Report {
    struct Table {
        var header: [String]
        var rows: [[String]]
        /// Per column: right-aligned (numbers) or not.
        var numeric: [Bool]
    }

    /// Students: notes, training steps, final loss, median throughput.
    var studentsTable: Table {
        let notes = noteKeys
        var rows = [[String]]()
        for student in students {
            var row = [student.name + (student.name == configuration.baseline ? " (baseline)" : "")]
            row += notes.map { student.student.notes[$0] ?? "" }
            row.append(student.log?.steps.last.map(String.init) ?? "—")
            row.append(student.log?.last("loss").map { String(format: "%.4f", $0) } ?? "—")
            row.append(student.log?.median("tokens_per_second").map { String(format: "%.0f", $0) } ?? "—")
            rows.append(row)
        }
        return Table(header: ["student"] + notes + ["steps", "final loss", "tokens/s (median)"], rows: rows,
                     numeric: [false] + notes.map { _ in false } + [true, true, true])
    }

    /// Scores: one row per student, one column per metric, "mean [low, high]" in points.
    var scoresTable: Table {
        let rows = students.map { student in
            [student.name] + metricKeys.map { key in
                guard let score = student.scores?[key] else { return "—" }
                return Self.formatScore(score, withInterval: configuration.resamples > 0)
            }
        }
        return Table(header: ["student"] + metricKeys, rows: rows, numeric: [false] + metricKeys.map { _ in true })
    }

    /// Paired differences against the baseline: one row per (student, metric).
    var differencesTable: Table? {
        guard let baseline = configuration.baseline else { return nil }
        var rows = [[String]]()
        for student in students {
            for row in student.comparison ?? [] {
                rows.append([student.name, row.key, CorpusScores.format(row.meanA), CorpusScores.format(row.meanB),
                             PairedComparison.signed(row.difference.mean),
                             configuration.resamples > 0
                                ? "\(PairedComparison.signed(row.difference.low)) – \(PairedComparison.signed(row.difference.high))" : "—",
                             String(format: "%.1f%%", 100 * row.winShare)])
            }
        }
        guard !rows.isEmpty else { return nil }
        return Table(header: ["student", "metric", "score", baseline, "difference", "\(confidenceLabel) CI", "wins"],
                     rows: rows, numeric: [false, false, true, true, true, true, true])
    }

    static func formatScore(_ score: ConfidenceInterval, withInterval: Bool) -> String {
        let mean = CorpusScores.format(score.mean)
        guard withInterval else { return mean }
        return "\(mean) [\(CorpusScores.format(score.low)), \(CorpusScores.format(score.high))]"
    }
}
