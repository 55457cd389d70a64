import CTKDCore
import CTKDMetrics
import Foundation

/// The HTML page: one self-contained, well-formed (XHTML-compatible) file with inline CSS and
/// inline SVG; no script, no external resource.
extension Report {
    public func html() -> String {
        var body = "<h1>\(Markup.escape(configuration.title))</h1>\n<p class=\"lead\">\(Markup.escape(methodSentence))</p>\n"
        body += "<h2>Students</h2>\n" + Self.htmlTable(studentsTable)
        if !metricKeys.isEmpty { body += "<h2>Scores</h2>\n" + scoresHTML }
        if let plot = differencePlot, let differences = differencesTable {
            body += "<h2>Differences to \(Markup.escape(configuration.baseline!))</h2>\n<figure>\(plot.svg())</figure>\n"
            body += Self.htmlTable(differences)
        }
        if lossPlot != nil || !termPlots.isEmpty {
            body += "<h2>Training</h2>\n"
            if let plot = lossPlot { body += "<figure>\(plot.svg())</figure>\n" }
            if !termPlots.isEmpty {
                body += "<div class=\"figures\">" + termPlots.map { "<figure>\($0.svg())</figure>" }.joined(separator: "\n") + "</div>\n"
            }
        }
        return """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>\(Markup.escape(configuration.title))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            <main>
            \(body)<footer>ctkd \(Markup.escape(CTKDVersion.string))</footer>
            </main>
            </body>
            </html>

            """
    }

    /// The scores table with the mean on top and the interval below it, the best mean in bold.
    private var scoresHTML: String {
        var html = "<table>\n<thead><tr><th>student</th>" + metricKeys.map { "<th class=\"num\">\(Markup.escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        let bests = metricKeys.map(best)
        for student in students {
            html += "<tr><th scope=\"row\">\(Markup.escape(student.name))</th>"
            for (column, key) in metricKeys.enumerated() {
                guard let score = student.scores?[key] else {
                    html += "<td class=\"num\">—</td>"
                    continue
                }
                let mean = CorpusScores.format(score.mean)
                html += "<td class=\"num\">" + (bests[column] == student.name ? "<strong>\(mean)</strong>" : mean)
                if configuration.resamples > 0 {
                    html += "<br/><span class=\"ci\">\(CorpusScores.format(score.low)) – \(CorpusScores.format(score.high))</span>"
                }
                html += "</td>"
            }
            html += "</tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }

    static func htmlTable(_ table: Table) -> String {
        var html = "<table>\n<thead><tr>"
        for (column, title) in table.header.enumerated() {
            html += "<th\(table.numeric[column] ? " class=\"num\"" : "")>\(Markup.escape(title))</th>"
        }
        html += "</tr></thead>\n<tbody>\n"
        for row in table.rows {
            html += "<tr>" + row.enumerated().map { column, text in
                "<td\(table.numeric[column] ? " class=\"num\"" : "")>\(Markup.escape(text))</td>"
            }.joined() + "</tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }

    static let css = """
        :root { color-scheme: light; }
        body { margin: 0; background: #f6f8fa; color: #1f2328;
               font: 15px/1.5 -apple-system, "Segoe UI", "Helvetica Neue", Arial, sans-serif; }
        main { max-width: 1120px; margin: 0 auto; padding: 28px 32px 40px; background: #fff; }
        h1 { font-size: 26px; margin: 0 0 6px; }
        h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #d8dee4; }
        .lead { color: #57606a; margin: 0 0 8px; }
        table { border-collapse: collapse; margin: 8px 0 16px; font-variant-numeric: tabular-nums; }
        th, td { padding: 5px 12px; border-bottom: 1px solid #e4e7eb; text-align: left; vertical-align: top; }
        thead th { border-bottom: 2px solid #d0d7de; font-weight: 600; }
        .num { text-align: right; }
        .ci { color: #6e7781; font-size: 12px; }
        figure { margin: 12px 0; }
        .figures { display: flex; flex-wrap: wrap; gap: 8px; }
        svg.plot { font-size: 12px; }
        svg .plot-title { font-size: 14px; font-weight: 600; fill: #1f2328; }
        svg .tick, svg .row-note { fill: #57606a; }
        svg .axis-label { fill: #1f2328; }
        svg .group-label { font-weight: 600; fill: #1f2328; }
        svg .row-label, svg .legend-label { fill: #1f2328; }
        svg .grid { stroke: #e4e7eb; stroke-width: 1; }
        svg .axis { stroke: #57606a; stroke-width: 1; }
        svg .zero { stroke: #1f2328; stroke-width: 1.2; }
        svg .legend { fill: #ffffff; fill-opacity: 0.9; stroke: #d0d7de; }
        svg .plot-empty { fill: #6e7781; }
        footer { margin-top: 36px; color: #8c959f; font-size: 12px; }
        """
}
