import CTKDCore

/// How the Sinkhorn distance's gradient reaches the cost matrix.
public enum SinkhornGradient: String, Codable, CaseIterable, Sendable {
    /// Backpropagate through the N stored iterations: the exact gradient of the computed SD.
    case unrolled
    /// Use the plan itself, ∂/∂C = P (the envelope theorem): exact for the converged entropic OT
    /// objective ⟨P,C⟩ − λH(P), cheaper, and an approximation of SD's own gradient.
    case envelope
}

/// MultiLevelOT (Cui et al., AAAI 2025), methods.md §4: token-level holistic absolute difference
/// (HAD) and sequential logarithmic loss (SL) on paired positions, and a sequence-level Sinkhorn
/// distance (SD) between all teacher and all student positions, each on both sides' k most
/// probable columns over the sequence. `L_distill = HAD + β SL + γ SD`.
public struct MultiLevelOTConfiguration: Codable, Sendable, Equatable {
    /// α in `CE + α L_distill`. The paper prints 0.15, the authors' code uses 1.5 together with
    /// other scalings of its own (SD × 1e-4, SL on renormalised probabilities); with the paper's
    /// formulas, as here, the paper's 0.15 is the consistent choice.
    public var weight: Float = 0.15
    /// β, the weight of SL.
    public var beta: Float = 0.1
    /// γ, the weight of SD.
    public var gamma: Float = 0.1
    /// λ in K = exp(−C/λ).
    public var lambda: Float = 0.1
    /// N, Sinkhorn iterations.
    public var iterations: Int = 20
    /// k, the ranked vocabulary columns kept on each side.
    public var columns: Int = 50
    /// τ of the token-level terms (HAD and SL).
    public var tokenTemperature: Float = 1
    /// τ of the sequence-level term (SD).
    public var sequenceTemperature: Float = 2
    /// Pairs for HAD and SL; SD uses every position of both sides.
    public var alignment: AlignmentMode = .bytes
    public var sinkhornGradient: SinkhornGradient = .unrolled

    public init() {}

    enum CodingKeys: String, CodingKey {
        case weight, beta, gamma, lambda, iterations, columns, tokenTemperature, sequenceTemperature, alignment,
             sinkhornGradient
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = Self()
        weight = try container.decode(.weight, default: defaults.weight)
        beta = try container.decode(.beta, default: defaults.beta)
        gamma = try container.decode(.gamma, default: defaults.gamma)
        lambda = try container.decode(.lambda, default: defaults.lambda)
        iterations = try container.decode(.iterations, default: defaults.iterations)
        columns = try container.decode(.columns, default: defaults.columns)
        tokenTemperature = try container.decode(.tokenTemperature, default: defaults.tokenTemperature)
        sequenceTemperature = try container.decode(.sequenceTemperature, default: defaults.sequenceTemperature)
        alignment = try container.decode(.alignment, default: defaults.alignment)
        sinkhornGradient = try container.decode(.sinkhornGradient, default: defaults.sinkhornGradient)
        try validate()
    }

    public func validate() throws {
        try requirePositive(weight, "mlot.weight", allowZero: true)
        try requirePositive(beta, "mlot.beta", allowZero: true)
        try requirePositive(gamma, "mlot.gamma", allowZero: true)
        try requirePositive(lambda, "mlot.lambda")
        try requirePositive(tokenTemperature, "mlot.tokenTemperature")
        try requirePositive(sequenceTemperature, "mlot.sequenceTemperature")
        try require(iterations >= 1, "mlot.iterations", "expected at least 1 iteration, got \(iterations)")
        try require(columns >= 1, "mlot.columns", "expected at least 1 column, got \(columns)")
    }
}

/// One sequence's MultiLevelOT terms, each summed over its positions (as methods.md's worked
/// example: HAD 1.6, SL 2.141290, SD 0.000537).
public struct MultiLevelOTTerms: Sendable, Equatable {
    public var holisticAbsoluteDifference: Double = 0
    public var sequentialLog: Double = 0
    public var sinkhornDistance: Double = 0

    public init(holisticAbsoluteDifference: Double = 0, sequentialLog: Double = 0, sinkhornDistance: Double = 0) {
        self.holisticAbsoluteDifference = holisticAbsoluteDifference
        self.sequentialLog = sequentialLog
        self.sinkhornDistance = sinkhornDistance
    }
}

public struct MultiLevelOT: Sendable {
    public var configuration: MultiLevelOTConfiguration

    public init(_ configuration: MultiLevelOTConfiguration = MultiLevelOTConfiguration()) {
        self.configuration = configuration
    }

    /// HAD and SL over `pairs`, SD over all T_t × T_s positions; when `dlogits` is given, adds
    /// `scale` · ∂(HAD + β SL + γ SD)/∂logits into it. The column ranking is a selection (no
    /// gradient flows through which columns are chosen), as in the paper.
    public func forwardBackward(_ rows: LogitRows, teacher: TopKTargets, pairs: [PositionPair],
                                dlogits: UnsafeMutablePointer<Float>?, scale: Float) -> MultiLevelOTTerms {
        LogitGradient.collect(rows, sparseCapacity: sparseEntriesPerRow(vocabularySize: rows.vocabularySize),
                              adding: dlogits) {
            accumulate(rows, teacher: teacher, pairs: pairs, into: $0, scale: scale)
        }
    }

    /// Gradient entries per student row besides the softmax multiples: both levels' columns.
    public func sparseEntriesPerRow(vocabularySize: Int) -> Int { 2 * min(configuration.columns, vocabularySize) }

    /// The same terms; the gradient goes into `gradient`.
    public func accumulate(_ rows: LogitRows, teacher: TopKTargets, pairs: [PositionPair],
                           into gradient: LogitGradient?, scale: Float) -> MultiLevelOTTerms {
        let c = configuration
        let tokenLevel = RankedColumns(rows, teacher: teacher, temperature: c.tokenTemperature, columns: c.columns)
        let sequenceLevel = c.sequenceTemperature == c.tokenTemperature ? tokenLevel
            : RankedColumns(rows, teacher: teacher, temperature: c.sequenceTemperature, columns: c.columns)
        let width = tokenLevel.width
        // h = s·∂L/∂s on the ranked columns, per student row and level.
        var tokenH = [Float](repeating: 0, count: rows.rows * tokenLevel.stride)
        var sequenceH = [Float](repeating: 0, count: rows.rows * sequenceLevel.stride)
        var terms = MultiLevelOTTerms()

        // Token level: HAD = Σ_pairs Σ_l |t − s|, SL = −Σ_pairs Σ_l t log s.
        var pairTerms = [Double](repeating: 0, count: 2 * pairs.count)
        pairTerms.withUnsafeMutableBufferPointer { pairTerms in
        tokenH.withUnsafeMutableBufferPointer { tokenH in
            guard let out = pairTerms.baseAddress.map(UncheckedPointer.init),
                  let h = tokenH.baseAddress.map(UncheckedPointer.init) else { return }
            Parallel.forEachChunk(pairs.count, minimumChunk: 16) { range in
                for index in range {
                    let pair = pairs[index]
                    let t = pair.teacher * tokenLevel.stride, s = pair.student * tokenLevel.stride
                    var absolute = 0.0, logarithmic = 0.0
                    for l in 0..<width {
                        let teacherValue = tokenLevel.teacher[t + l], studentValue = tokenLevel.student[s + l]
                        absolute += Double(abs(teacherValue - studentValue))
                        if teacherValue > 0 { logarithmic -= Double(teacherValue) * Double(tokenLevel.studentLog[s + l]) }
                        // ∂|t−s|/∂s = sign(s−t); s·∂(−t log s)/∂s = −t.
                        h.pointer[s + l] = studentValue * sign(studentValue - teacherValue) - c.beta * teacherValue
                    }
                    out.pointer[2 * index] = absolute
                    out.pointer[2 * index + 1] = logarithmic
                }
            }
        }}
        for index in pairs.indices {
            terms.holisticAbsoluteDifference += pairTerms[2 * index]
            terms.sequentialLog += pairTerms[2 * index + 1]
        }

        // Sequence level: SD between every teacher and every student position.
        let teacherPositions = teacher.positions, studentPositions = rows.rows
        let cost = Self.cost(sequenceLevel, teacherPositions: teacherPositions, studentPositions: studentPositions)
        let sinkhorn = Sinkhorn(regularization: c.lambda, iterations: c.iterations)
        let solution = sinkhorn.solve(cost: cost, rows: teacherPositions, columns: studentPositions)
        terms.sinkhornDistance = solution.distance

        guard let gradient else { return terms }
        let costGradient = c.sinkhornGradient == .unrolled ? sinkhorn.distanceGradient(solution) : solution.plan
        Self.costBackward(sequenceLevel, costGradient: costGradient, teacherPositions: teacherPositions,
                          studentPositions: studentPositions, weight: c.gamma, into: &sequenceH)
        // Through each level's tempered softmax into the logits.
        let tokenSlot = gradient.slot(temperature: c.tokenTemperature, logSumExp: tokenLevel.logSumExp)
        let sequenceSlot = gradient.slot(temperature: c.sequenceTemperature, logSumExp: sequenceLevel.logSumExp)
        Parallel.forEachChunk(rows.rows, minimumChunk: 16) { range in
            for t in range {
                Self.add(gradient, row: t, slot: tokenSlot, level: tokenLevel, h: tokenH, scale: scale)
                Self.add(gradient, row: t, slot: sequenceSlot, level: sequenceLevel, h: sequenceH, scale: scale)
            }
        }
        return terms
    }

    /// C[i, j] = Σ_l |t[i, l] − s[j, l]|, (T_t, T_s).
    private static func cost(_ level: RankedColumns, teacherPositions: Int, studentPositions: Int) -> [Float] {
        var cost = [Float](repeating: 0, count: teacherPositions * studentPositions)
        let stride = level.stride
        cost.withUnsafeMutableBufferPointer { cost in
        level.teacher.withUnsafeBufferPointer { teacher in
        level.student.withUnsafeBufferPointer { student in
            guard let out = cost.baseAddress.map(UncheckedPointer.init) else { return }
            let teacher = UnsafeRawPointer(teacher.baseAddress!), student = UnsafeRawPointer(student.baseAddress!)
            Parallel.forEachChunk(teacherPositions, minimumChunk: max(1, 4096 / max(1, studentPositions))) { range in
                for i in range {
                    for j in 0..<studentPositions {
                        var sum = SIMD8<Float>.zero
                        for l in Swift.stride(from: 0, to: stride, by: 8) {
                            let t = teacher.loadUnaligned(fromByteOffset: (i * stride + l) * 4, as: SIMD8<Float>.self)
                            let s = student.loadUnaligned(fromByteOffset: (j * stride + l) * 4, as: SIMD8<Float>.self)
                            let difference = t - s
                            sum += difference.replacing(with: -difference, where: difference .< 0)
                        }
                        out.pointer[i * studentPositions + j] = sum.sum()
                    }
                }
            }
        }}}
        return cost
    }

    /// h[j, l] += weight · s[j, l] · Σ_i ∂L/∂C[i, j] · sign(s[j, l] − t[i, l]).
    private static func costBackward(_ level: RankedColumns, costGradient: [Float], teacherPositions: Int,
                                     studentPositions: Int, weight: Float, into h: inout [Float]) {
        let stride = level.stride
        h.withUnsafeMutableBufferPointer { h in
        level.teacher.withUnsafeBufferPointer { teacher in
        level.student.withUnsafeBufferPointer { student in
        costGradient.withUnsafeBufferPointer { costGradient in
            guard let out = h.baseAddress.map(UncheckedPointer.init), teacherPositions > 0 else { return }
            let teacher = UnsafeRawPointer(teacher.baseAddress!), student = UnsafeRawPointer(student.baseAddress!)
            let costGradient = costGradient.baseAddress!
            Parallel.forEachChunk(studentPositions, minimumChunk: max(1, 4096 / teacherPositions)) { range in
                for j in range {
                    for l in Swift.stride(from: 0, to: stride, by: 8) {
                        let s = student.loadUnaligned(fromByteOffset: (j * stride + l) * 4, as: SIMD8<Float>.self)
                        var sum = SIMD8<Float>.zero
                        for i in 0..<teacherPositions {
                            let t = teacher.loadUnaligned(fromByteOffset: (i * stride + l) * 4, as: SIMD8<Float>.self)
                            let difference = s - t
                            let signs = SIMD8<Float>.zero.replacing(with: 1, where: difference .> 0)
                                .replacing(with: -1, where: difference .< 0)
                            sum = sum.addingProduct(signs, costGradient[i * studentPositions + j])
                        }
                        let old = out.pointer.advanced(by: j * stride + l)
                        let value = UnsafeMutableRawPointer(old).loadUnaligned(as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(old).storeBytes(of: value + weight * s * sum, as: SIMD8<Float>.self)
                    }
                }
            }
        }}}}
    }

    private static func add(_ gradient: LogitGradient, row t: Int, slot: Int, level: RankedColumns, h: [Float],
                            scale: Float) {
        let start = t * level.stride
        guard h[start..<(start + level.width)].contains(where: { $0 != 0 }) else { return }
        level.studentColumns.withUnsafeBufferPointer { columns in
            h.withUnsafeBufferPointer { h in
                gradient.add(row: t, slot: slot, indices: columns.baseAddress!, h: h.baseAddress! + start,
                             entries: level.width, scale: scale)
            }
        }
    }
}
