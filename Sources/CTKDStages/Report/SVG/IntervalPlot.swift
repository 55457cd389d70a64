import Foundation

/// Differences with confidence intervals against zero (a forest plot) as inline SVG: one row per
/// (metric, student), a dot at the mean difference, a bar from the low to the high bound, a
/// vertical line at zero (always inside the axis). Green: the whole interval is above zero; red: below; grey: it crosses.
struct IntervalPlot {
    struct Row {
        var group: String
        var label: String
        var mean: Double
        var low: Double
        var high: Double
        var annotation: String
    }

    var title: String
    var xLabel: String
    var rows: [Row] = []
    var width = 860.0

    private let labelWidth = 150.0
    private let annotationWidth = 270.0
    private let rowHeight = 22.0
    private let top = 34.0
    private let bottom = 44.0

    /// The groups in first-appearance order, each with its rows.
    private var groups: [(name: String, rows: [Row])] {
        var order = [String]()
        var byGroup = [String: [Row]]()
        for row in rows {
            if byGroup[row.group] == nil { order.append(row.group) }
            byGroup[row.group, default: []].append(row)
        }
        return order.map { ($0, byGroup[$0]!) }
    }

    var height: Double { top + bottom + rowHeight * Double(rows.count + groups.count) }

    func svg() -> String {
        let left = labelWidth, right = width - annotationWidth
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="plot" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(Markup.escape(title))">
            <text class="plot-title" x="8" y="20">\(Markup.escape(title))</text>

            """
        let finite = rows.filter { $0.mean.isFinite && $0.low.isFinite && $0.high.isFinite }
        // Zero is always on the axis, so "no difference" has a place to be read against.
        let axis = AxisScale(low: min(0, finite.map { min($0.low, $0.mean) }.min() ?? 0),
                             high: max(0, finite.map { max($0.high, $0.mean) }.max() ?? 0), targetTicks: 7)
        func x(_ value: Double) -> String { Markup.coordinate(axis.position(value, from: left, to: right)) }
        let plotBottom = height - bottom

        for tick in axis.ticks {
            svg += "<line class=\"grid\" x1=\"\(x(tick))\" x2=\"\(x(tick))\" y1=\"\(Markup.coordinate(top))\" y2=\"\(Markup.coordinate(plotBottom))\"/>"
            svg += "<text class=\"tick\" x=\"\(x(tick))\" y=\"\(Markup.coordinate(plotBottom + 16))\" text-anchor=\"middle\">\(axis.label(tick))</text>\n"
        }
        svg += "<line class=\"zero\" x1=\"\(x(0))\" x2=\"\(x(0))\" y1=\"\(Markup.coordinate(top))\" y2=\"\(Markup.coordinate(plotBottom))\"/>\n"
        svg += "<text class=\"axis-label\" x=\"\(Markup.coordinate((left + right) / 2))\" y=\"\(Markup.coordinate(height - 8))\" text-anchor=\"middle\">\(Markup.escape(xLabel))</text>\n"

        var rowY = top
        for group in groups {
            rowY += rowHeight
            svg += "<text class=\"group-label\" x=\"8\" y=\"\(Markup.coordinate(rowY - 6))\">\(Markup.escape(group.name))</text>\n"
            for row in group.rows {
                rowY += rowHeight
                let center = rowY - rowHeight / 2
                let color = row.low > 0 ? Palette.better : row.high < 0 ? Palette.worse : Palette.neutral
                svg += "<text class=\"row-label\" x=\"20\" y=\"\(Markup.coordinate(center))\" dominant-baseline=\"middle\">\(Markup.escape(row.label))</text>"
                if row.mean.isFinite && row.low.isFinite && row.high.isFinite {
                    let cy = Markup.coordinate(center)
                    svg += "<line x1=\"\(x(row.low))\" x2=\"\(x(row.high))\" y1=\"\(cy)\" y2=\"\(cy)\" stroke=\"\(color)\" stroke-width=\"2.5\"/>"
                    for end in [row.low, row.high] {
                        svg += "<line x1=\"\(x(end))\" x2=\"\(x(end))\" y1=\"\(Markup.coordinate(center - 5))\" y2=\"\(Markup.coordinate(center + 5))\" stroke=\"\(color)\" stroke-width=\"2\"/>"
                    }
                    svg += "<circle cx=\"\(x(row.mean))\" cy=\"\(cy)\" r=\"4.5\" fill=\"\(color)\"><title>\(Markup.escape(row.annotation))</title></circle>"
                }
                svg += "<text class=\"row-note\" x=\"\(Markup.coordinate(right + 12))\" y=\"\(Markup.coordinate(center))\" dominant-baseline=\"middle\">\(Markup.escape(row.annotation))</text>\n"
            }
        }
        return svg + "</svg>"
    }
}
