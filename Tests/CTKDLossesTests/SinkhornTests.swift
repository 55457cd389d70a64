import Testing
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
