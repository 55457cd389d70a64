import CTKDCore
import CTKDMetrics
import Foundation

// MARK: - Plots

extension Report {
    /// Total training loss of every student with a log.
    var lossPlot: LinePlot? {
        let logged = students.enumerated().filter { $0.element.log.map { !$0.steps.isEmpty } ?? false }
        guard !logged.isEmpty else { return nil }
        var plot = LinePlot(title: "Training loss (total)", xLabel: "step", yLabel: "loss")
        for (index, student) in logged {
            plot.series.append(.init(name: student.name, color: Palette.color(index),
                                     points: student.log!.series("loss").points.map { ($0.step, $0.value) }))
        }
        return plot
    }

    /// Per student whose log has loss terms: each term, and the total dashed.
    var termPlots: [LinePlot] {
        guard configuration.plotLossTerms else { return [] }
        return students.compactMap { student in
            guard let log = student.log, !log.termNames.isEmpty else { return nil }
            var plot = LinePlot(title: "\(student.name): loss terms", xLabel: "step", yLabel: "loss", width: 520, height: 280)
            for (index, term) in log.termNames.enumerated() {
                plot.series.append(.init(name: term, color: Palette.color(index + 1),
                                         points: log.series(term).points.map { ($0.step, $0.value) }))
            }
            plot.series.append(.init(name: "total", color: Palette.axis,
                                     points: log.series("loss").points.map { ($0.step, $0.value) }, dashed: true))
            return plot
        }
    }

    /// Paired differences against the baseline, grouped by metric.
    var differencePlot: IntervalPlot? {
        guard let baseline = configuration.baseline else { return nil }
        var plot = IntervalPlot(title: "Difference to \(baseline) (points, \(confidenceLabel) paired bootstrap CI)",
                                xLabel: "student − \(baseline), points")
        for key in metricKeys {
            for student in students {
                guard let row = student.comparison?.first(where: { $0.key == key }) else { continue }
                let interval = configuration.resamples > 0
                    ? " [\(PairedComparison.signed(row.difference.low)), \(PairedComparison.signed(row.difference.high))]" : ""
                plot.rows.append(.init(group: key, label: student.name, mean: row.difference.mean,
                                       low: row.difference.low, high: row.difference.high,
                                       annotation: "\(PairedComparison.signed(row.difference.mean))\(interval) · wins \(String(format: "%.0f%%", 100 * row.winShare))"))
            }
        }
        return plot.rows.isEmpty ? nil : plot
    }

    /// The student with the highest mean of `key` (for highlighting), when there are several.
    func best(_ key: String) -> String? {
        let scored = students.compactMap { student in student.scores?[key].map { (student.name, $0.mean) } }
        guard scored.count > 1 else { return nil }
        return scored.max { $0.1 < $1.1 }?.0
    }

    var methodSentence: String {
        var text = "Scores are in points (100 × the mean over examples)"
        if configuration.resamples > 0 {
            text += " with \(confidenceLabel) bootstrap confidence intervals (\(configuration.resamples) resamples, seed \(configuration.seed))"
        }
        text += "."
        if let baseline = configuration.baseline {
            text += " Differences to \(baseline) are paired: both students are resampled on the same examples;"
                + " “wins” is the share of resamples in which the student’s mean is higher."
        }
        return text
    }
}

// MARK: - Markdown

extension Report {
    public func markdown() -> String {
        var text = "# \(configuration.title)\n\n\(methodSentence)\n"
        text += "\n## Students\n\n" + Self.markdownTable(studentsTable)
        if !metricKeys.isEmpty {
            var table = scoresTable
            for (column, key) in metricKeys.enumerated() {
                guard let best = best(key), let row = students.firstIndex(where: { $0.name == best }) else { continue }
                table.rows[row][column + 1] = "**\(table.rows[row][column + 1])**"
            }
            text += "\n## Scores\n\n" + Self.markdownTable(table)
        }
        if let differences = differencesTable {
            text += "\n## Differences to \(configuration.baseline!)\n\n" + Self.markdownTable(differences)
        }
        text += "\nLoss curves and the difference plot are in the HTML report.\n"
        return text
    }

    static func markdownTable(_ table: Table) -> String {
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
        var lines = ["| " + table.header.map(cell).joined(separator: " | ") + " |",
                     "|" + table.numeric.map { $0 ? "---:" : "---" }.joined(separator: "|") + "|"]
        lines += table.rows.map { "| " + $0.map(cell).joined(separator: " | ") + " |" }
        return lines.joined(separator: "\n") + "\n"
    }
}

// MARK: - Terminal

extension Report {
    /// The scores (and differences) as aligned plain-text columns.
    public func terminalSummary() -> String {
        var text = Self.alignedTable(scoresTable)
        if let differences = differencesTable {
            text += "\ndifferences to \(configuration.baseline!) (paired bootstrap, \(confidenceLabel) CI):\n"
            text += Self.alignedTable(differences)
        }
        return text
    }

    static func alignedTable(_ table: Table) -> String {
        let all = [table.header] + table.rows
        let widths = table.header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, text in
                let pad = String(repeating: " ", count: widths[column] - text.count)
                return table.numeric[column] ? pad + text : text + pad
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        var lines = [line(table.header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        lines += table.rows.map(line)
        return lines.joined(separator: "\n") + "\n"
    }
}
