import Foundation
import Testing
import CTKDTestSupport
@testable import CTKDMetrics

/// Five articles of SQuAD v1.1 dev with two leaderboard systems' predictions; the expected
/// scores are the official evaluate-v1.1.py's (make_fixtures.py cross-checked them with it).
@Suite struct SQuADSliceTests {
    @Test(arguments: ["match-lstm", "logistic-regression"])
    func reproducesTheOfficialScores(system: String) throws {
        let input = try SQuADInput.load(dataset: MetricsFixtures.path("squad/dev-slice.json"),
                                        predictions: MetricsFixtures.path("squad/pred-\(system).json"))
        let expected = (try MetricsFixtures.json("squad/expected.json") as! [String: Any])[system] as! [String: Any]
        var scores = CorpusScorer(metrics: MetricSet(groups: [.squad])).score(input.examples)
        input.zeroMissing(&scores)
        #expect(input.examples.count == expected["questions"] as! Int)
        #expect(input.missingCount == expected["missing"] as! Int)
        #expect(input.extraPredictions == expected["extra_ids"] as! Int)
        #expect(input.version == "1.1")
        let exact = 100 * scores.column("em")!.reduce(0, +) / Double(scores.count)
        let f1 = 100 * scores.column("f1")!.reduce(0, +) / Double(scores.count)
        #expect(abs(exact - (expected["exact_match"] as! Double)) < 1e-9)
        #expect(abs(f1 - (expected["f1"] as! Double)) < 1e-9)
    }
}
