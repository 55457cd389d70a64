import Foundation

/// A line chart as inline SVG: axes with round ticks, grid lines, axis labels, a legend.
///
///     var plot = LinePlot(title: "Training loss", xLabel: "step", yLabel: "loss")
///     plot.series.append(.init(name: "sft", color: Palette.color(0), points: [(0, 3.2), (100, 2.1)]))
///     let svg = plot.svg()
///
/// Series with more points than the plot is wide are reduced to bucket means (one point per
/// pixel or so), which also smooths step-to-step noise without hiding the trend. Non-finite
/// points are dropped, so every coordinate in the SVG is a finite number.
struct LinePlot {
    struct Series {
        var name: String
        var color: String
        var points: [(x: Double, y: Double)]
        var dashed = false
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series] = []
    var width = 760.0
    var height = 340.0

    private let margin = (left: 64.0, right: 20.0, top: 34.0, bottom: 46.0)

    func svg() -> String {
        let plotted = series.map { line in
            Series(name: line.name, color: line.color,
                   points: Self.reduced(line.points.filter { $0.x.isFinite && $0.y.isFinite },
                                        to: Int(width - margin.left - margin.right)),
                   dashed: line.dashed)
        }
        let all = plotted.flatMap(\.points)
        let left = margin.left, right = width - margin.right
        let top = margin.top, bottom = height - margin.bottom
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="plot" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(Markup.escape(title))">
            <text class="plot-title" x="\(Markup.coordinate(left))" y="20">\(Markup.escape(title))</text>

            """
        guard let xMin = all.map(\.x).min(), let xMax = all.map(\.x).max(),
              let yMin = all.map(\.y).min(), let yMax = all.map(\.y).max() else {
            svg += "<text class=\"plot-empty\" x=\"\(Markup.coordinate(width / 2))\" y=\"\(Markup.coordinate(height / 2))\" "
                + "text-anchor=\"middle\">no data</text>\n</svg>"
            return svg
        }
        let xAxis = AxisScale(low: xMin, high: xMax, targetTicks: 7, tight: true)
        let yAxis = AxisScale(low: yMin, high: yMax, targetTicks: 6)
        func x(_ value: Double) -> String { Markup.coordinate(xAxis.position(value, from: left, to: right)) }
        func y(_ value: Double) -> String { Markup.coordinate(yAxis.position(value, from: bottom, to: top)) }

        // Grid, ticks and tick labels.
        for tick in yAxis.ticks {
            svg += "<line class=\"grid\" x1=\"\(Markup.coordinate(left))\" x2=\"\(Markup.coordinate(right))\" y1=\"\(y(tick))\" y2=\"\(y(tick))\"/>"
            svg += "<text class=\"tick\" x=\"\(Markup.coordinate(left - 6))\" y=\"\(y(tick))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(yAxis.label(tick))</text>\n"
        }
        for tick in xAxis.ticks {
            svg += "<line class=\"grid\" x1=\"\(x(tick))\" x2=\"\(x(tick))\" y1=\"\(Markup.coordinate(top))\" y2=\"\(Markup.coordinate(bottom))\"/>"
            svg += "<text class=\"tick\" x=\"\(x(tick))\" y=\"\(Markup.coordinate(bottom + 16))\" text-anchor=\"middle\">\(xAxis.label(tick))</text>\n"
        }
        svg += "<line class=\"axis\" x1=\"\(Markup.coordinate(left))\" x2=\"\(Markup.coordinate(right))\" y1=\"\(Markup.coordinate(bottom))\" y2=\"\(Markup.coordinate(bottom))\"/>"
        svg += "<line class=\"axis\" x1=\"\(Markup.coordinate(left))\" x2=\"\(Markup.coordinate(left))\" y1=\"\(Markup.coordinate(top))\" y2=\"\(Markup.coordinate(bottom))\"/>\n"
        svg += "<text class=\"axis-label\" x=\"\(Markup.coordinate((left + right) / 2))\" y=\"\(Markup.coordinate(height - 8))\" text-anchor=\"middle\">\(Markup.escape(xLabel))</text>\n"
        svg += "<text class=\"axis-label\" transform=\"translate(14 \(Markup.coordinate((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(Markup.escape(yLabel))</text>\n"

        // Lines.
        for line in plotted where !line.points.isEmpty {
            let points = line.points.map { "\(x($0.x)),\(y($0.y))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.8\" stroke-linejoin=\"round\""
                + (line.dashed ? " stroke-dasharray=\"5 3\"" : "") + " points=\"\(points)\"><title>\(Markup.escape(line.name))</title></polyline>\n"
        }

        // Legend, top right inside the plot area.
        let named = plotted.filter { !$0.name.isEmpty }
        if !named.isEmpty {
            let rowHeight = 17.0
            let legendWidth = 24 + 7 * Double(named.map(\.name.count).max()!) + 12
            let legendLeft = right - legendWidth - 6
            svg += "<rect class=\"legend\" x=\"\(Markup.coordinate(legendLeft))\" y=\"\(Markup.coordinate(top + 6))\" "
                + "width=\"\(Markup.coordinate(legendWidth))\" height=\"\(Markup.coordinate(rowHeight * Double(named.count) + 8))\" rx=\"4\"/>\n"
            for (index, line) in named.enumerated() {
                let rowY = top + 6 + 4 + rowHeight * (Double(index) + 0.5)
                svg += "<line x1=\"\(Markup.coordinate(legendLeft + 8))\" x2=\"\(Markup.coordinate(legendLeft + 26))\" "
                    + "y1=\"\(Markup.coordinate(rowY))\" y2=\"\(Markup.coordinate(rowY))\" stroke=\"\(line.color)\" stroke-width=\"2.5\""
                    + (line.dashed ? " stroke-dasharray=\"5 3\"" : "") + "/>"
                svg += "<text class=\"legend-label\" x=\"\(Markup.coordinate(legendLeft + 32))\" y=\"\(Markup.coordinate(rowY))\" "
                    + "dominant-baseline=\"middle\">\(Markup.escape(line.name))</text>\n"
            }
        }
        return svg + "</svg>"
    }

    /// At most about `count` points: the means of consecutive, equally sized buckets.
    static func reduced(_ points: [(x: Double, y: Double)], to count: Int) -> [(x: Double, y: Double)] {
        guard count > 0, points.count > count else { return points }
        return (0..<count).map { bucket in
            let range = (points.count * bucket / count)..<(points.count * (bucket + 1) / count)
            let slice = points[range]
            let n = Double(slice.count)
            return (slice.map(\.x).reduce(0, +) / n, slice.map(\.y).reduce(0, +) / n)
        }
    }
}
