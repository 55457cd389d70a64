import Foundation
import CTKDCore
import CTKDMetrics
import CTKDTestSupport
@testable import CTKDStages

/// The report fixture (Tests/Fixtures/metrics/report) copied to a temporary folder, with each
/// student's predictions scored there, as `ctkd score --metrics squad,rouge` would.
enum ReportFixture {
    static let students = ["sft", "bld", "mlot"]

    static func prepare() throws -> String {
        let source = TestSupport.fixture("metrics/report")
        let directory = try TestSupport.temporaryDirectory("ctkd-report")
        for name in try FileIO.list(source) {
            try AtomicFile.write(try FileIO.read(source + "/" + name), to: directory + "/" + name)
        }
        for student in students {
            _ = try ScoringJob(input: .jsonLines(directory + "/\(student).predictions.jsonl"),
                               metrics: MetricSet(groups: [.squad, .rouge]),
                               perExamplePath: directory + "/\(student).scores.jsonl",
                               corpusPath: directory + "/\(student).scores.json").run()
        }
        return directory
    }
}
