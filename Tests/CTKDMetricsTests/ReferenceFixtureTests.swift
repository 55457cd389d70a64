import Foundation
import Testing
@testable import CTKDMetrics

/// Every metric of every fixture pair against the Python references (ref_metrics.py and
/// rouge-score): `expected.jsonl` holds the F-measures and SQuAD EM/F1, `expected_pr.jsonl` the
/// ROUGE precision and recall.
@Suite struct ReferenceFixtureTests {
    static let rougeKeys = ["rouge1", "rouge2", "rougeL", "rougeLsum"]

    @Test func everyMetricMatchesTheReferenceImplementations() throws {
        let examples = try MetricsFixtures.pairs()
        #expect(examples.count >= 1000)
        let scores = CorpusScorer(metrics: .all).score(examples)
        let expected = try MetricsFixtures.jsonLines("expected.jsonl")
        let expectedPR = try MetricsFixtures.jsonLines("expected_pr.jsonl")
        #expect(expected.count == examples.count && expectedPR.count == examples.count)

        let fKeys = ["em", "f1", "em_squad2", "f1_squad2"] + Self.rougeKeys + Self.rougeKeys.map { $0 + "_stem" }
        let prKeys = (Self.rougeKeys + Self.rougeKeys.map { $0 + "_stem" })
        var maxDifference = 0.0
        var mismatches = [String]()
        for example in 0..<examples.count {
            #expect(scores.ids[example] == expected[example]["id"] as? String)
            func check(_ key: String, _ reference: Double) {
                let value = scores.value(example: example, column: scores.keys.firstIndex(of: key)!)
                let difference = abs(value - reference)
                maxDifference = max(maxDifference, difference)
                if difference > 1e-6 && mismatches.count < 20 {
                    mismatches.append("\(scores.ids[example]) \(key): ctkd \(value), reference \(reference)")
                }
            }
            for key in fKeys { check(key, expected[example][key] as! Double) }
            let precision = expectedPR[example]["precision"] as! [Double]
            let recall = expectedPR[example]["recall"] as! [Double]
            for (index, key) in prKeys.enumerated() {
                check(key + "_precision", precision[index])
                check(key + "_recall", recall[index])
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        // Same operations in the same order as Python: the values are identical, not just close.
        #expect(maxDifference == 0, "max |ctkd − reference| = \(maxDifference)")
    }

    @Test func stringAPIsAgreeWithTheTable() throws {
        let examples = try MetricsFixtures.pairs()
        let scores = CorpusScorer(metrics: .all).score(examples)
        let scorer = RougeScorer(types: RougeType.allCases, useStemmer: true)
        for example in stride(from: 0, to: examples.count, by: 37) {
            let prediction = examples.prediction(at: example)
            let references = examples.references(at: example)
            func value(_ key: String) -> Double { scores.value(example: example, column: scores.keys.firstIndex(of: key)!) }
            #expect(try SQuADMetrics.f1(prediction: prediction, references: references) == value("f1"))
            #expect(try SQuADMetrics.exactMatch(prediction: prediction, references: references) == value("em"))
            #expect(try SQuADMetrics.f1SQuAD2(prediction: prediction, references: references) == value("f1_squad2"))
            let rouge = try scorer.scoreMulti(targets: references, prediction: prediction)
            for type in RougeType.allCases {
                #expect(rouge[type]!.fmeasure == value(type.rawValue + "_stem"))
                #expect(rouge[type]!.recall == value(type.rawValue + "_stem_recall"))
            }
        }
    }
}
