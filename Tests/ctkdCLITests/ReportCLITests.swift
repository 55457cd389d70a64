import Foundation
import Testing
import CTKDCore
import CTKDTestSupport

/// `ctkd report` end to end: score the fixture students with `ctkd score`, then report on them.
@Suite struct ReportCLITests {
    static let students = ["sft", "bld", "mlot"]

    static func scoredFixture() throws -> String {
        let source = TestSupport.fixture("metrics/report")
        let directory = try TestSupport.temporaryDirectory("ctkd-report-cli")
        for name in try FileIO.list(source) {
            try AtomicFile.write(try FileIO.read(source + "/" + name), to: directory + "/" + name)
        }
        for student in students {
            let result = try TestSupport.runCTKD([
                "score", "\(student).predictions.jsonl", "--metrics", "squad,rouge",
                "--per-example", "\(student).scores.jsonl", "--json", "\(student).scores.json", "--resamples", "200",
            ], currentDirectory: directory)
            #expect(result.exitCode == 0, "\(result.stderr)")
        }
        return directory
    }

    @Test func writesMarkdownAndHTMLAndPrintsTheTable() throws {
        let directory = try Self.scoredFixture()
        let result = try TestSupport.runCTKD(["report", "manifest.yaml", "--html", "out/report.html",
                                              "--markdown", "out/report.md", "--resamples", "300"],
                                             currentDirectory: directory + "/")
        // The output folder does not exist: a clear error, nothing written.
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("out/report.md"))

        try FileIO.createDirectory(directory + "/out")
        let ok = try TestSupport.runCTKD(["report", directory + "/manifest.yaml", "--html", directory + "/out/report.html",
                                          "--markdown", directory + "/out/report.md", "--resamples", "300"])
        #expect(ok.exitCode == 0, "\(ok.stderr)")
        for student in Self.students { #expect(ok.stdout.contains("\n\(student) ")) }
        #expect(ok.stdout.contains("differences to sft"))
        let html = try FileIO.readText(directory + "/out/report.html")
        let markdown = try FileIO.readText(directory + "/out/report.md")
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<svg"))
        #expect(markdown.contains("## Differences to sft"))
        #expect(markdown.contains("300 resamples"))
        #expect(try FileIO.list(directory + "/out") == ["report.html", "report.md"])
    }

    @Test func badManifest() throws {
        let directory = try TestSupport.temporaryDirectory("ctkd-report-cli")
        try AtomicFile.write("title: x\nstudents:\n  - name: a\n    metrics_log: missing.jsonl\n", to: directory + "/m.yaml")
        let result = try TestSupport.runCTKD(["report", directory + "/m.yaml", "--html", directory + "/r.html",
                                              "--markdown", directory + "/r.md"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.hasPrefix("error: \(directory)/missing.jsonl: cannot open: "))
        #expect(try FileIO.list(directory) == ["m.yaml"])

        try AtomicFile.write("students: [\n", to: directory + "/m.yaml")
        let yaml = try TestSupport.runCTKD(["report", directory + "/m.yaml"])
        #expect(yaml.exitCode == 1)
        #expect(yaml.stderr.hasPrefix("error: \(directory)/m.yaml: not valid YAML"))
    }
}
