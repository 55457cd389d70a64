import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import CTKDCore
import CTKDMetrics
import CTKDTestSupport
@testable import CTKDStages

@Suite struct ReportTests {
    @Test func reportFromFixturesMatchesExpectations() throws {
        let directory = try ReportFixture.prepare()
        let configuration = try ReportConfiguration.load(directory + "/manifest.yaml")
        #expect(configuration.baseline == "sft")
        #expect(configuration.students[1].metricsLog == directory + "/bld.metrics.jsonl")
        let report = try Report(configuration)
        #expect(report.metricKeys == ["em", "f1", "rouge1", "rougeLsum"])

        // The resumed bld log: 172 lines, 161 distinct steps, the resumed run's values kept.
        let bld = report.students[1]
        #expect(bld.log!.steps.count == 161)
        #expect(bld.log!.steps == Array(stride(from: 0, through: 1600, by: 10)))
        #expect(bld.log!.termNames == ["bld_byte_ce", "bld_kl", "ce"])

        // The comparison equals the plain mean difference of the per-example files.
        let sftF1 = try PerExampleScores.load(directory + "/sft.scores.jsonl").column("f1")!
        let bldF1 = try PerExampleScores.load(directory + "/bld.scores.jsonl").column("f1")!
        let difference = 100 * zip(bldF1, sftF1).map { $0 - $1 }.reduce(0, +) / Double(sftF1.count)
        let row = try #require(bld.comparison?.first { $0.key == "f1" })
        #expect(abs(row.difference.mean - difference) < 1e-9)
        #expect(row.difference.low < row.difference.mean && row.difference.mean < row.difference.high)
        #expect(report.students[0].comparison == nil)          // the baseline itself

        let html = report.html()
        let markdown = report.markdown()
        for student in ReportFixture.students {
            #expect(html.contains(">\(student)<"))
            #expect(markdown.contains("| \(student)"))
            let scores = try CorpusScores.load(directory + "/\(student).scores.json")
            for key in report.metricKeys {
                let mean = CorpusScores.format(scores[key]!.mean)
                #expect(html.contains(mean), "\(student) \(key) \(mean)")
                #expect(markdown.contains(mean))
            }
        }
        #expect(html.contains(PairedComparison.signed(row.difference.mean)))
        #expect(html.contains("CE + MultiLevelOT"))
        // Three loss curves in the total-loss plot; bld's term plot has its 3 terms and the total.
        #expect(report.lossPlot!.series.count == 3)
        #expect(report.termPlots.map(\.series.count) == [2, 4, 3])
        #expect(report.differencePlot!.rows.count == 8)
        #expect(!html.contains("<script"))
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").count - 1 == html.components(separatedBy: "xmlns=\"http://").count - 1)
        // Deterministic: the same inputs give the same page.
        #expect(try Report(configuration).html() == html)
    }

    @Test func htmlIsWellFormedXMLWithFiniteSVGCoordinates() throws {
        let directory = try ReportFixture.prepare()
        let html = try Report(try ReportConfiguration.load(directory + "/manifest.yaml")).html()
        let parser = XMLParser(data: Data(html.utf8))
        let checker = SVGChecker()
        parser.delegate = checker
        #expect(parser.parse(), "XML error: \(String(describing: parser.parserError))")
        #expect(checker.svgCount == 5)                      // differences, total loss, 3 term plots
        #expect(checker.numbersChecked > 2000)
        #expect(checker.badValues.isEmpty, "\(checker.badValues.prefix(10))")
    }

    @Test func nonFiniteLossesAreLeftOutOfThePlots() throws {
        let directory = try TestSupport.temporaryDirectory("ctkd-report")
        try AtomicFile.write(#"""
            {"step": 0, "loss": 3.0, "ce": 3.0}
            {"step": 10, "loss": NaN, "ce": Infinity}
            {"step": 20, "loss": 2.0, "ce": 2.0}
            """#, to: directory + "/log.jsonl")
        let report = try Report(ReportConfiguration(students: [ReportStudent(name: "x", metricsLog: directory + "/log.jsonl")]))
        #expect(report.students[0].log!.series("loss").points.map(\.step) == [0, 20])
        let parser = XMLParser(data: Data(report.lossPlot!.svg().utf8))
        let checker = SVGChecker()
        parser.delegate = checker
        #expect(parser.parse())
        #expect(checker.badValues.isEmpty && checker.numbersChecked > 20)
        #expect(report.html().contains("Training loss (total)"))
    }

    @Test func badManifestsNameTheProblem() throws {
        let directory = try TestSupport.temporaryDirectory("ctkd-report")
        let manifest = directory + "/manifest.yaml"
        try AtomicFile.write("students:\n  - name: a\n  - name: b\nbaseline: c\n", to: manifest)
        let unknown = #expect(throws: CTKDError.self) { try ReportConfiguration.load(manifest) }
        #expect(unknown?.description == "\(manifest): field \"baseline\": \"c\" is not one of the students (a, b)")

        try AtomicFile.write("students:\n  - name: a\n  - name: a\n", to: manifest)
        let duplicate = #expect(throws: CTKDError.self) { try ReportConfiguration.load(manifest) }
        #expect(duplicate?.description == "\(manifest): field \"students[1].name\": duplicate student name \"a\"")

        try AtomicFile.write("students:\n  - notes: {}\n", to: manifest)
        let missing = #expect(throws: CTKDError.self) { try ReportConfiguration.load(manifest) }
        #expect(missing?.description == "\(manifest): field \"students[0].name\": missing field")

        try AtomicFile.write("students:\n  - name: a\n    per_example: nope.jsonl\n", to: manifest)
        let configuration = try ReportConfiguration.load(manifest)
        let absent = #expect(throws: CTKDError.self) { try Report(configuration) }
        #expect(absent?.file == directory + "/nope.jsonl")
    }

    @Test func axisTicksAreRound() {
        let unit = AxisScale(low: 0.13, high: 2.87)             // raw step 0.548 → 1
        #expect(unit.ticks == [0, 1, 2, 3])
        #expect(unit.ticks.map(unit.label) == ["0", "1", "2", "3"])
        let half = AxisScale(low: 0.13, high: 2.37)             // raw step 0.448 → 0.5
        #expect(half.ticks.map(half.label) == ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5"])
        let quarter = AxisScale(low: -0.6, high: 0.6, targetTicks: 6)   // 0.24 → 0.25
        #expect(quarter.ticks.map(quarter.label) == ["-0.75", "-0.50", "-0.25", "0.00", "0.25", "0.50", "0.75"])
        let steps = AxisScale(low: 0, high: 16_000, targetTicks: 7)      // 2,667 → 5,000
        #expect(steps.ticks.map(steps.label) == ["0", "5k", "10k", "15k", "20k"])
        let flat = AxisScale(low: 2, high: 2)
        #expect(flat.low < 2 && flat.high > 2 && flat.ticks.count >= 2)
    }
}

/// Walks the parsed page and checks every numeric SVG attribute.
final class SVGChecker: NSObject, XMLParserDelegate {
    var svgCount = 0
    var numbersChecked = 0
    var badValues: [String] = []
    private let numericAttributes: Set<String> = ["x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height", "rx"]

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        if elementName == "svg" { svgCount += 1 }
        for (name, value) in attributes {
            if numericAttributes.contains(name) { check(value, name) }
            if name == "points" {
                for pair in value.split(separator: " ") {
                    for number in pair.split(separator: ",") { check(String(number), "points") }
                }
            }
        }
    }

    private func check(_ value: String, _ name: String) {
        numbersChecked += 1
        if Double(value).map({ !$0.isFinite }) ?? true { badValues.append("\(name)=\(value)") }
    }
}

@Suite struct AxisScaleTests {
    @Test func tightAxesKeepTheDataRange() {
        let axis = AxisScale(low: 0, high: 1600, targetTicks: 7, tight: true)
        #expect(axis.low == 0 && axis.high == 1600)
        #expect(axis.ticks == [0, 500, 1000, 1500])
        #expect(axis.position(800, from: 0, to: 100) == 50)
    }
}
