import Testing
import CTKDCore
import CTKDTestSupport
@testable import CTKDMetrics

@Suite struct BootstrapTests {
    @Test func quantilesInterpolateLikeNumpy() {
        // numpy.percentile([1, 2, 3, 4], [2.5, 25, 50, 97.5]) == [1.075, 1.75, 2.5, 3.925]
        let sorted = [1.0, 2, 3, 4]
        let expected = [1.075, 1.75, 2.5, 3.925]
        for (q, value) in zip([0.025, 0.25, 0.5, 0.975], expected) {
            #expect(abs(Bootstrap.quantile(sorted: sorted, q) - value) < 1e-12)
        }
    }

    /// The parallel resampling equals a plain serial loop over the documented definition:
    /// resample b draws n indices with `SeededRandom(seed: seed).derived(b)` (up to the order of
    /// the floating-point additions).
    @Test func parallelResamplingEqualsTheSerialDefinition() {
        var random = SeededRandom(seed: 3)
        let values = (0..<257).map { _ in random.nextDouble() }
        let interval = Bootstrap.confidenceInterval(values: values, resamples: 301, seed: 42, confidence: 0.9)
        var means = [Double]()
        for resample in 0..<301 {
            var generator = SeededRandom(seed: 42).derived(UInt64(resample))
            var sum = 0.0
            for _ in values.indices { sum += values[generator.nextInt(below: values.count)] }
            means.append(sum / Double(values.count))
        }
        means.sort()
        #expect(abs(interval.low - Bootstrap.quantile(sorted: means, 0.05)) < 1e-13)
        #expect(abs(interval.high - Bootstrap.quantile(sorted: means, 0.95)) < 1e-13)
        #expect(abs(interval.mean - values.reduce(0, +) / Double(values.count)) < 1e-15)
        #expect(Bootstrap.confidenceInterval(values: values, resamples: 301, seed: 42, confidence: 0.9) == interval)
        #expect(Bootstrap.confidenceInterval(values: values, resamples: 301, seed: 43, confidence: 0.9) != interval)
    }

    @Test func intervalsHaveTheExpectedWidth() {
        // 400 fair coin flips: the 95% interval of the mean is about ±1.96·0.5/√400 = ±0.049.
        let values = (0..<400).map { Double($0 % 2) }
        let interval = Bootstrap.confidenceInterval(values: values, resamples: 2000, seed: 0)
        #expect(interval.mean == 0.5)
        #expect(abs((interval.high - interval.low) / 2 - 0.049) < 0.006)
        let constant = Bootstrap.confidenceInterval(values: [0.7, 0.7, 0.7], resamples: 100, seed: 0)
        #expect(abs(constant.low - 0.7) < 1e-15 && abs(constant.high - 0.7) < 1e-15)
        let none = Bootstrap.confidenceInterval(values: [0.2, 0.4], resamples: 0, seed: 0)
        #expect(none.low == none.mean && none.high == none.mean)
    }

    @Test func pairedComparison() throws {
        let ids = (0..<200).map { "q\($0)" }
        var random = SeededRandom(seed: 5)
        let b = (0..<200).map { _ in random.nextDouble() }
        let baseline = PerExampleScores(ids: ids, keys: ["f1", "em"], values: b.flatMap { [$0, $0 > 0.5 ? 1 : 0] })
        // A = B + 0.1 on f1, identical em, rows in another order.
        let order = Array((0..<200).reversed())
        let student = PerExampleScores(ids: order.map { ids[$0] }, keys: ["em", "f1"],
                                       values: order.flatMap { [b[$0] > 0.5 ? 1 : 0, b[$0] + 0.1] })
        let rows = try PairedBootstrap.compare(student, baseline, options: BootstrapOptions(resamples: 500, seed: 1))
        #expect(rows.map(\.key) == ["em", "f1"])
        let f1 = rows[1]
        #expect(abs(f1.difference.mean - 10) < 1e-9 && abs(f1.difference.low - 10) < 1e-9 && abs(f1.difference.high - 10) < 1e-9)
        #expect(f1.winShare == 1 && f1.tieShare == 0)
        #expect(rows[0].difference.mean == 0 && rows[0].winShare == 0 && rows[0].tieShare == 1)
        #expect(abs(f1.meanA - f1.meanB - 10) < 1e-9)

        let other = PerExampleScores(ids: ["x"] + ids.dropFirst(), keys: ["f1"], values: b)
        let error = #expect(throws: CTKDError.self) { try PairedBootstrap.compare(other, baseline) }
        #expect(error?.message == "a paired comparison needs the same examples: 1 ids of A are not in B (first: \"x\"); 1 ids of B are not in A (first: \"q0\")")
    }

    @Test func corpusScoresRoundTripThroughJSON() throws {
        let scores = PerExampleScores(ids: ["a", "b", "c"], keys: ["em", "rouge1", "rouge1_precision"],
                                      values: [1, 0.5, 0.25, 0, 0.75, 1, 1, 1, 0.5])
        let corpus = CorpusScores(scores, options: BootstrapOptions(resamples: 50, seed: 9), missingPredictions: 1)
        #expect(corpus.primaryKeys == ["em", "rouge1"])
        #expect(corpus["em"]!.mean == 100.0 * 2 / 3)
        let path = try TestSupport.temporaryDirectory() + "/corpus.json"
        try corpus.write(to: path)
        #expect(try CorpusScores.load(path) == corpus)
        #expect(corpus.markdownTable().contains("| rouge1 | 75.00 | "))
        #expect(corpus.markdownTable().contains("| 58.33 |  |"))
    }
}
