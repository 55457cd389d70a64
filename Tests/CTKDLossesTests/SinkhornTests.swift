import Testing
import CTKDCore
import Foundation
@testable import CTKDLosses

@Suite struct SinkhornTests {
    @Test func workedNumbers() {
        let cost: [Float] = [0, 0.2, 0.5, 0.3, 0.1, 0.4, 0.6, 0.2, 0.05]
        let twenty = Sinkhorn(regularization: 0.1, iterations: 20).solve(cost: cost, rows: 3, columns: 3)
        #expect(abs(twenty.distance - 0.241737) < 5e-7)
        let converged = Sinkhorn(regularization: 0.1, iterations: 2000).solve(cost: cost, rows: 3, columns: 3)
        #expect(abs(converged.distance - 0.241776) < 5e-7)
        let diagonal = Sinkhorn(regularization: 0.1, iterations: 20).solve(cost: [0.8, 0, 0, 0.8], rows: 2, columns: 2)
        #expect(abs(diagonal.distance - 0.000537) < 5e-7)
        print(twenty.distance, converged.distance, diagonal.distance)
    }
}

extension SinkhornTests {
    @Test(arguments: [(4, 6, Float(0.1), 20), (5, 5, 0.5, 7), (6, 3, 0.05, 30)])
    func distanceGradientMatchesFiniteDifferences(rows: Int, columns: Int, lambda: Float, iterations: Int) {
        var random = SeededRandom(seed: UInt64(rows * 100 + columns))
        let cost = (0..<(rows * columns)).map { _ in Float(random.nextDouble() * 1.5) }
        let sinkhorn = Sinkhorn(regularization: lambda, iterations: iterations)
        let analytic = sinkhorn.distanceGradient(sinkhorn.solve(cost: cost, rows: rows, columns: columns))
        let error = LossTestSupport.finiteDifferences(at: cost, analytic: analytic, epsilon: 1e-3) { probe in
            sinkhorn.solve(cost: probe, rows: rows, columns: columns).distance
        }
        print("sinkhorn", rows, columns, lambda, iterations, error)
        #expect(error.relativeToLargest < 1e-3, "\(error)")
    }
}

extension SinkhornTests {
    /// The envelope theorem: at convergence the plan P* minimises the entropic objective
    /// E(P, C) = ⟨P, C⟩ + λ Σ P (log P − 1) over the transport polytope, whose constraints do not
    /// depend on C, so dE(P*(C), C)/dC = ∂E/∂C = P*. Differentiating E through the unrolled
    /// iterations must give the same matrix once the iterations have converged.
    @Test(arguments: [(3, 3, 0), (5, 5, 1), (4, 6, 2)])
    func unrolledGradientOfEntropicObjectiveEqualsThePlan(rows: Int, columns: Int, seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let cost: [Float] = seed == 0 ? [0, 0.2, 0.5, 0.3, 0.1, 0.4, 0.6, 0.2, 0.05]
            : (0..<(rows * columns)).map { _ in Float(random.nextDouble()) }
        let lambda: Float = 0.1
        let sinkhorn = Sinkhorn(regularization: lambda, iterations: 1000)
        let solution = sinkhorn.solve(cost: cost, rows: rows, columns: columns)
        // ∂E/∂P = C + λ log P; the direct ∂E/∂C = P.
        let planGradient = zip(cost, solution.plan).map { $0 + lambda * logf($1) }
        let throughIterations = zip(sinkhorn.backward(solution, planGradient: planGradient), solution.plan).map(+)
        let envelope = solution.plan
        let difference = zip(throughIterations, envelope).map { abs($0 - $1) }.max()!
        print("envelope", rows, columns, difference)
        #expect(difference < 1e-5)
        // SD = ⟨P, C⟩ alone is not stationary in P, so its gradient is not the plan: the option
        // `SinkhornGradient.envelope` is an approximation for SD, exact only for E.
        let distance = sinkhorn.distanceGradient(solution)
        #expect(zip(distance, envelope).map { abs($0 - $1) }.max()! > 1e-2)
    }
}
