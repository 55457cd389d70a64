import Testing
import Foundation
import CTKDCore
import CTKDTensor
@testable import CTKDModels

/// The training step's decomposition: gradient accumulation and the data-parallel seam give the
/// same update as one big batch.
@Suite struct TraineeTests {
    final class Results: @unchecked Sendable {
        private var values = [Int: StepResult]()
        private let lock = NSLock()
        func set(_ rank: Int, _ result: StepResult) { lock.withLock { values[rank] = result } }
        func get(_ rank: Int) -> StepResult? { lock.withLock { values[rank] } }
    }

    static let config = ModelConfig(architecture: .llama, vocabularySize: 30, contextLength: 8, layers: 1, dim: 16, heads: 4,
                                    kvHeads: 2, ffnDim: 24)

    /// Four micro-batches of two rows each, with some targets masked (different counts per batch).
    static let microBatches: [TokenBatch] = (0..<4).map { m in
        let tokens: [Int32] = (0..<12).map { Int32(($0 * 5 + m * 7) % 30) }
        var targets: [Int32] = (0..<12).map { Int32(($0 * 3 + m) % 30) }
        for masked in 0..<(m + 1) { targets[masked * 2] = CrossEntropy.ignoredTarget }
        return TokenBatch(batch: 2, time: 6, tokens: tokens, targets: targets)
    }

    func trainee() throws -> Trainee {
        Trainee(name: "model", model: try LanguageModel(config: Self.config, seed: 4))
    }

    @Test func accumulatedMicroBatchesEqualOneBatch() throws {
        let accumulated = try trainee(), whole = try trainee()
        let a = try accumulated.step(microBatches: Self.microBatches, objective: CrossEntropyObjective(), learningRate: 1e-2,
                                     maxGradientNorm: 1)
        let joined = TokenBatch(batch: 8, time: 6, tokens: Self.microBatches.flatMap(\.tokens),
                                targets: Self.microBatches.flatMap(\.targets))
        let b = try whole.step(microBatches: [joined], objective: CrossEntropyObjective(), learningRate: 1e-2, maxGradientNorm: 1)
        #expect(abs(a.loss - b.loss) < 1e-6 && abs(a.gradientNorm - b.gradientNorm) < 1e-6)
        #expect(maxAbsDifference(accumulated.model.parameters.values.toArray(), whole.model.parameters.values.toArray()) < 1e-6)
    }

    /// Two ranks on two threads, each with half the micro-batches, summing through a reducer:
    /// both end with the weights of one process that ran all of them.
    @Test func twoRanksThroughTheSeamEqualOneProcess() throws {
        final class Exchange: GradientReducer, @unchecked Sendable {
            // The round in progress accumulates into `partial`; a finished round's sum stays in
            // `completed` until every rank has read it (no rank can finish the next round before).
            let ranks: Int
            var arrived = 0, generation = 0
            var partial = [Double](), completed = [Double]()
            let condition = NSCondition()
            init(ranks: Int) { self.ranks = ranks }

            /// Sums `values` over the ranks (a barrier: returns once every rank contributed).
            func sum(_ values: [Double]) throws -> [Double] {
                condition.lock()
                defer { condition.unlock() }
                if arrived == 0 { partial = [Double](repeating: 0, count: values.count) }
                for i in values.indices { partial[i] += values[i] }
                arrived += 1
                let round = generation
                if arrived == ranks {
                    completed = partial
                    arrived = 0
                    generation += 1
                    condition.broadcast()
                } else {
                    while generation == round { condition.wait() }
                }
                return completed
            }

            func sumGradients(_ parameterSets: [ParameterSet]) throws {
                for set in parameterSets {
                    let total = try sum(set.gradients.toArray().map(Double.init))
                    for i in 0..<set.gradients.count { set.gradients.pointer[i] = Float(total[i]) }
                }
            }
        }
        let single = try trainee()
        let reference = try single.step(microBatches: Self.microBatches, objective: CrossEntropyObjective(), learningRate: 1e-2,
                                        maxGradientNorm: 1)
        let exchange = Exchange(ranks: 2)
        let ranks = try [trainee(), trainee()]
        let results = Results()
        let group = DispatchGroup()
        for rank in 0..<2 {
            let thread = Thread {
                let mine = Array(Self.microBatches[(2 * rank)..<(2 * rank + 2)])
                let result = try! ranks[rank].step(microBatches: mine, objective: CrossEntropyObjective(), learningRate: 1e-2,
                                                   maxGradientNorm: 1, reducer: exchange)
                results.set(rank, result)
                group.leave()
            }
            group.enter()
            thread.start()
        }
        group.wait()
        for rank in 0..<2 {
            let result = try #require(results.get(rank))
            #expect(abs(result.loss - reference.loss) < 1e-6 && abs(result.gradientNorm - reference.gradientNorm) < 1e-5)
            #expect(maxAbsDifference(ranks[rank].model.parameters.values.toArray(), single.model.parameters.values.toArray()) < 1e-6)
        }
    }
}
