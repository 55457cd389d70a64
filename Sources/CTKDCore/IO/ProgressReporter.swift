import Foundation

/// Progress of long work on standard error: a line redrawn in place on a terminal (at most ten
/// times a second), a log line every `logInterval` seconds otherwise (CI logs, nohup, pipes).
///
///     let progress = ProgressReporter(label: "teach", total: examples.count, unit: "examples")
///     for (index, example) in examples.enumerated() {
///         …
///         progress.update(completed: index + 1, detail: "positions/s 1234")
///     }
///     progress.finish()
public final class ProgressReporter {
    public let label: String
    public let total: Int?
    public let unit: String
    private let isTerminal: Bool
    private let logInterval: Double
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var completedAtStart: Int
    private var drewLine = false

    /// - Parameters:
    ///   - alreadyCompleted: work done by an earlier run that this one resumes; rates and the ETA
    ///     count only what this run does.
    public init(label: String, total: Int?, unit: String, alreadyCompleted: Int = 0,
                logInterval: Double = 10, isTerminal: Bool = StandardError.isTerminal) {
        self.label = label
        self.total = total
        self.unit = unit
        self.completedAtStart = alreadyCompleted
        self.logInterval = logInterval
        self.isTerminal = isTerminal
    }

    /// Reports `completed` units of `total` so far (cumulative, including resumed work).
    public func update(completed: Int, detail: String = "") {
        let now = Date()
        let interval = isTerminal ? 0.1 : logInterval
        guard now.timeIntervalSince(lastDraw) >= interval else { return }
        lastDraw = now
        emit(line(completed: completed, detail: detail, now: now))
    }

    /// Prints the final state (always, regardless of throttling) and ends the terminal line.
    public func finish(completed: Int? = nil, detail: String = "") {
        let done = completed ?? total ?? completedAtStart
        emit(line(completed: done, detail: detail, now: Date()))
        if isTerminal && drewLine { StandardError.write("\n") }
        drewLine = false
    }

    /// The rendered progress line (without terminal control characters), for tests and logs.
    public func line(completed: Int, detail: String, now: Date) -> String {
        let elapsed = max(now.timeIntervalSince(start), 1e-9)
        let done = completed - completedAtStart
        let rate = Double(done) / elapsed
        var text = "\(label): "
        if let total {
            let percent = total > 0 ? 100 * Double(completed) / Double(total) : 100
            text += "\(completed)/\(total) \(unit) (\(String(format: "%.1f", percent))%)"
        } else {
            text += "\(completed) \(unit)"
        }
        text += ", \(ProgressReporter.formatRate(rate)) \(unit)/s"
        if !detail.isEmpty { text += ", " + detail }
        text += ", elapsed \(ProgressReporter.formatDuration(elapsed))"
        if let total, rate > 0, completed < total {
            text += ", ETA \(ProgressReporter.formatDuration(Double(total - completed) / rate))"
        }
        return text
    }

    private func emit(_ text: String) {
        if isTerminal {
            StandardError.write("\r\u{1B}[2K" + text)
            drewLine = true
        } else {
            StandardError.line(text)
        }
    }

    public static func formatRate(_ rate: Double) -> String {
        switch rate {
        case 1e6...: String(format: "%.2fM", rate / 1e6)
        case 1e4...: String(format: "%.1fk", rate / 1e3)
        case 100...: String(format: "%.0f", rate)
        default: String(format: "%.2f", rate)
        }
    }

    public static func formatDuration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return String(format: "%.1fs", seconds) }
        if total < 3600 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        return "\(total / 3600)h\(String(format: "%02d", (total % 3600) / 60))m"
    }
}
