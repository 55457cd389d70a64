import CTKDCore
import CTKDTensor
#if canImport(Glibc)
import Glibc
#endif

/// Sinkhorn's alternating normalisation of K = exp(−C/λ), in the log domain, with a hand-written
/// backward through the iterations (methods.md §4, MultiLevelOT's sequence level).
///
/// The plan after N iterations is P = exp(A + f^N + g^N) with A = −C/λ, where each iteration
/// normalises rows, then columns:
///
///     f^n_i = −logsumexp_j(A_ij + g^{n−1}_j)      g^n_j = −logsumexp_i(A_ij + f^n_i),   g^0 = 0
///
/// so columns sum to 1 exactly and rows converge to m/n (unit marginals when the matrix is
/// square; POT's `ot.sinkhorn` with marginals (m/n)·1 and 1 otherwise). Working with the
/// potentials f, g never forms exp(−C/λ), which underflows when C/λ is large, and the backward
/// only needs the stored potentials (N·(n + m) floats), not N plans.
///
/// When n ≠ m the marginals disagree and each iteration moves f down and g up by log(m/n) without
/// changing P; left alone the potentials would grow until float32 cannot resolve A + f + g. So g
/// is re-centred to mean 0 before the next row step (P is invariant to f + c, g − c, hence the
/// shift carries no gradient).
///
///     let sinkhorn = Sinkhorn(regularization: 0.1, iterations: 20)
///     let solution = sinkhorn.solve(cost: cost, rows: 3, columns: 3)     // distance 0.241737
///     let dCost = sinkhorn.distanceGradient(solution)                    // ∂(Σ P∘C)/∂C
public struct Sinkhorn: Sendable {
    /// λ in K = exp(−C/λ).
    public var regularization: Float
    /// N, the number of row-then-column normalisations.
    public var iterations: Int

    public init(regularization: Float, iterations: Int) {
        precondition(regularization > 0 && iterations >= 1)
        self.regularization = regularization
        self.iterations = iterations
    }

    /// The plan after N iterations and what the backward needs.
    public struct Solution: Sendable {
        public let rows: Int
        public let columns: Int
        public let cost: [Float]                  // C (n, m)
        public let plan: [Float]                  // P (n, m)
        /// The Sinkhorn distance Σ_ij P_ij C_ij.
        public let distance: Double
        let scaledCost: [Float]                   // A = −C/λ (n, m)
        let scaledCostTransposed: [Float]         // Aᵀ (m, n)
        let rowPotentials: [Float]                // (N, n): f^1 … f^N
        let columnPotentials: [Float]             // (N + 1, m): g^0 … g^N
        /// c_n = mean(g^n): the row step n+1 reads g^n − c_n.
        let columnShifts: [Float]                 // (N + 1)
    }

    public func solve(cost: [Float], rows n: Int, columns m: Int) -> Solution {
        precondition(cost.count == n * m, "cost must be rows × columns")
        let count = iterations
        var scaledCost = [Float](repeating: 0, count: n * m)
        var transposed = [Float](repeating: 0, count: n * m)
        var rowPotentials = [Float](repeating: 0, count: count * n)
        var columnPotentials = [Float](repeating: 0, count: (count + 1) * m)
        var columnShifts = [Float](repeating: 0, count: count + 1)
        var plan = [Float](repeating: 0, count: n * m)
        if n == 0 || m == 0 {
            return Solution(rows: n, columns: m, cost: cost, plan: plan, distance: 0, scaledCost: scaledCost,
                            scaledCostTransposed: transposed, rowPotentials: rowPotentials,
                            columnPotentials: columnPotentials, columnShifts: columnShifts)
        }
        let inverseLambda = 1 / regularization
        for i in 0..<n {
            for j in 0..<m {
                let a = -cost[i * m + j] * inverseLambda
                scaledCost[i * m + j] = a
                transposed[j * n + i] = a
            }
        }
        scaledCost.withUnsafeBufferPointer { a in
        transposed.withUnsafeBufferPointer { at in
        rowPotentials.withUnsafeMutableBufferPointer { f in
        columnPotentials.withUnsafeMutableBufferPointer { g in
            let a = a.baseAddress!, at = at.baseAddress!
            let f = UncheckedPointer(f.baseAddress!), g = UncheckedPointer(g.baseAddress!)
            for iteration in 1...count {
                let fNew = f.pointer + (iteration - 1) * n
                let gOld = g.pointer + (iteration - 1) * m, gNew = g.pointer + iteration * m
                let shift = columnShifts[iteration - 1]
                Parallel.forEachChunk(n, minimumChunk: Self.chunk(m)) { range in
                    for i in range { fNew[i] = shift - Self.logSumExpOfSum(a + i * m, gOld, count: m) }
                }
                Parallel.forEachChunk(m, minimumChunk: Self.chunk(n)) { range in
                    for j in range { gNew[j] = -Self.logSumExpOfSum(at + j * n, fNew, count: n) }
                }
                columnShifts[iteration] = VectorMath.sum(gNew, count: m) / Float(m)
            }
        }}}}
        var distance = 0.0
        let fLast = (count - 1) * n, gLast = count * m
        for i in 0..<n {
            for j in 0..<m {
                let value = VectorMath.exp(scaledCost[i * m + j] + rowPotentials[fLast + i] + columnPotentials[gLast + j])
                plan[i * m + j] = value
                distance += Double(value) * Double(cost[i * m + j])
            }
        }
        return Solution(rows: n, columns: m, cost: cost, plan: plan, distance: distance, scaledCost: scaledCost,
                        scaledCostTransposed: transposed, rowPotentials: rowPotentials,
                        columnPotentials: columnPotentials, columnShifts: columnShifts)
    }

    /// ∂(Σ P∘C)/∂C through the N iterations: the direct term P plus the path through the plan.
    public func distanceGradient(_ solution: Solution) -> [Float] {
        var gradient = backward(solution, planGradient: solution.cost)
        for index in gradient.indices { gradient[index] += solution.plan[index] }
        return gradient
    }

    /// ∂L/∂C along the path C → A → (f, g) → P, given ∂L/∂P: the backward through every stored
    /// iteration. A loss that also uses C directly adds its own direct term.
    public func backward(_ solution: Solution, planGradient: [Float]) -> [Float] {
        let n = solution.rows, m = solution.columns
        precondition(planGradient.count == n * m)
        var gradient = [Float](repeating: 0, count: n * m)
        if n == 0 || m == 0 { return gradient }
        var adjointTransposed = [Float](repeating: 0, count: n * m)     // Āᵀ from the row steps (m, n)
        var rowAdjoint = [Float](repeating: 0, count: n)                 // f̄
        var columnAdjoint = [Float](repeating: 0, count: m)              // ḡ
        // Through P = exp(A + f^N + g^N): W = P̄ ∘ P feeds A, f^N and g^N alike.
        for i in 0..<n {
            for j in 0..<m {
                let w = planGradient[i * m + j] * solution.plan[i * m + j]
                gradient[i * m + j] = w
                rowAdjoint[i] += w
                columnAdjoint[j] += w
            }
        }
        gradient.withUnsafeMutableBufferPointer { adjoint in
        adjointTransposed.withUnsafeMutableBufferPointer { adjointT in
        rowAdjoint.withUnsafeMutableBufferPointer { fBar in
        columnAdjoint.withUnsafeMutableBufferPointer { gBar in
        solution.scaledCost.withUnsafeBufferPointer { a in
        solution.scaledCostTransposed.withUnsafeBufferPointer { at in
        solution.rowPotentials.withUnsafeBufferPointer { f in
        solution.columnPotentials.withUnsafeBufferPointer { g in
            let adjoint = UncheckedPointer(adjoint.baseAddress!), adjointT = UncheckedPointer(adjointT.baseAddress!)
            let fBar = UncheckedPointer(fBar.baseAddress!), gBar = UncheckedPointer(gBar.baseAddress!)
            let a = a.baseAddress!, at = at.baseAddress!, f = f.baseAddress!, g = g.baseAddress!
            for iteration in stride(from: iterations, through: 1, by: -1) {
                let fn = f + (iteration - 1) * n, gn = g + iteration * m, gPrevious = g + (iteration - 1) * m
                // Column step g^n_j = −lse_i(A_ij + f^n_i): with Q = exp(A + f^n + g^n),
                // Ā −= ḡ_j Q_ij and f̄_i −= Σ_j ḡ_j Q_ij.
                Parallel.forEachChunk(n, minimumChunk: Self.chunk(m)) { range in
                    for i in range {
                        fBar.pointer[i] -= Self.subtractWeightedExp(a + i * m, gn, fn[i], weights: gBar.pointer,
                                                                    from: adjoint.pointer + i * m, count: m)
                    }
                }
                // Row step f^n_i = c − lse_j(A_ij + g^{n−1}_j): with R = exp(A + g^{n−1} − c + f^n),
                // Ā −= f̄_i R_ij and ḡ^{n−1}_j = −Σ_i f̄_i R_ij (g^{n−1} feeds nothing else).
                let shift = solution.columnShifts[iteration - 1]
                Parallel.forEachChunk(m, minimumChunk: Self.chunk(n)) { range in
                    for j in range {
                        gBar.pointer[j] = -Self.subtractWeightedExp(at + j * n, fn, gPrevious[j] - shift,
                                                                    weights: fBar.pointer,
                                                                    from: adjointT.pointer + j * n, count: n)
                    }
                }
                for i in 0..<n { fBar.pointer[i] = 0 }   // f^{n−1} feeds only g^{n−1}
            }
        }}}}}}}}
        let scale = -1 / regularization   // ∂A/∂C
        for i in 0..<n {
            for j in 0..<m {
                gradient[i * m + j] = (gradient[i * m + j] + adjointTransposed[j * n + i]) * scale
            }
        }
        return gradient
    }

    /// Rows per parallel chunk: ~16k matrix entries per chunk.
    private static func chunk(_ rowLength: Int) -> Int { max(1, 16_384 / max(1, rowLength)) }

    /// log Σ_j exp(a_j + b_j).
    private static func logSumExpOfSum(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        let maximum = maximumOfSum(a, b, count: count)
        if maximum == -.infinity { return -.infinity }
        return maximum + logf(sumExpOfSum(a, b, count: count, shift: maximum))
    }

    /// max_j (a_j + b_j).
    private static func maximumOfSum(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var best = SIMD8<Float>(repeating: -.infinity)
        var index = 0
        let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
        while index + 8 <= count {
            let x = rawA.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
                + rawB.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
            best = best.replacing(with: x, where: x .> best)
            index += 8
        }
        var maximum = best.max()
        while index < count {
            maximum = max(maximum, a[index] + b[index])
            index += 1
        }
        return maximum
    }

    /// Σ_j exp(a_j + b_j − shift).
    @inline(never)
    private static func sumExpOfSum(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int,
                                    shift: Float) -> Float {
        var sum = SIMD8<Float>.zero
        var index = 0
        let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
        while index + 8 <= count {
            let x = rawA.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
                + rawB.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
            sum += VectorMath.exp(x - shift)
            index += 8
        }
        var total = sum.sum()
        while index < count {
            total += VectorMath.scalarExp(a[index] + b[index] - shift)
            index += 1
        }
        return total
    }

    /// With q_j = exp(a_j + b_j + c): out_j −= w_j q_j, and returns Σ_j w_j q_j.
    @inline(never)
    private static func subtractWeightedExp(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: Float,
                                            weights w: UnsafePointer<Float>, from out: UnsafeMutablePointer<Float>,
                                            count: Int) -> Float {
        typealias Vector = SIMD8<Float>
        let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b), rawW = UnsafeRawPointer(w)
        let rawOut = UnsafeMutableRawPointer(out)
        var sum = Vector.zero
        var index = 0
        while index + 8 <= count {
            let q = VectorMath.exp(rawA.loadUnaligned(fromByteOffset: index * 4, as: Vector.self)
                                   + rawB.loadUnaligned(fromByteOffset: index * 4, as: Vector.self) + c)
            let wq = q * rawW.loadUnaligned(fromByteOffset: index * 4, as: Vector.self)
            let old = rawOut.loadUnaligned(fromByteOffset: index * 4, as: Vector.self)
            rawOut.storeBytes(of: old - wq, toByteOffset: index * 4, as: Vector.self)
            sum += wq
            index += 8
        }
        var total = sum.sum()
        while index < count {
            let wq = w[index] * VectorMath.scalarExp(a[index] + b[index] + c)
            out[index] -= wq
            total += wq
            index += 1
        }
        return total
    }
}
