import CTKDCore
import CTKDTensor

/// Universal Logit Distillation (Boizard et al. 2024): the L1 distance between the teacher's and
/// the student's probability vectors, each sorted in descending order and zero-padded, per paired
/// position (methods.md §4). Works across tokenizers because it compares ranks, not token ids.
public struct ULDConfiguration: Codable, Sendable, Equatable {
    /// Weight of the ULD term in `CE + weight · ULD` (the paper's 1.5).
    public var weight: Float = 1.5
    /// Softmax temperature of both sides (1: the cached teacher distribution as it is).
    public var temperature: Float = 1
    public var alignment: AlignmentMode = .bytes

    public init() {}

    enum CodingKeys: String, CodingKey { case weight, temperature, alignment }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = Self()
        weight = try container.decode(.weight, default: defaults.weight)
        temperature = try container.decode(.temperature, default: defaults.temperature)
        alignment = try container.decode(.alignment, default: defaults.alignment)
        try validate()
    }

    public func validate() throws {
        try requirePositive(weight, "uld.weight", allowZero: true)
        try requirePositive(temperature, "uld.temperature")
    }
}

/// The teacher vector has only its k cached entries plus the tail mass τ, so the sorted teacher is
/// t_(1) ≥ … ≥ t_(k) followed by τ spread over tokens the cache does not name. Only the student's k
/// largest probabilities s_(1..k) (an O(V) partial selection) pair with named teacher entries; the
/// rest is one bucket: the student's remaining mass R = 1 − Σ s_(j) against τ,
///
///     ULD_i = Σ_{j≤k} |t_(j) − s_(j)| + |τ − R|.
///
/// The bucket is the tightest statement a top-k cache allows (by the triangle inequality it is a
/// lower bound of the exact tail term), it is 0 when the student matches the teacher, and with
/// τ = 0 it equals the zero-padded formula exactly (R is then the student's padded tail).
public struct ULD: Sendable {
    public var configuration: ULDConfiguration

    public init(_ configuration: ULDConfiguration = ULDConfiguration()) {
        self.configuration = configuration
    }

    /// Σ over `pairs` of ULD_i; when `dlogits` is given, adds `scale` · ∂/∂logits into it.
    public func forwardBackward(_ rows: LogitRows, teacher: TopKTargets, pairs: [PositionPair],
                                dlogits: UnsafeMutablePointer<Float>?, scale: Float) -> Double {
        LogitGradient.collect(rows, sparseCapacity: sparseEntriesPerRow(teacher), adding: dlogits) {
            accumulate(rows, teacher: teacher, pairs: pairs, into: $0, scale: scale)
        }
    }

    /// Gradient entries per student row besides the softmax multiple.
    public func sparseEntriesPerRow(_ teacher: TopKTargets) -> Int { teacher.k }

    /// The same sum; the gradient goes into `gradient`.
    public func accumulate(_ rows: LogitRows, teacher: TopKTargets, pairs: [PositionPair],
                           into gradient: LogitGradient?, scale: Float) -> Double {
        let k = teacher.k
        let vocabularySize = rows.vocabularySize
        let inverseTemperature = 1 / configuration.temperature
        let logSumExp = rows.logSumExp(temperature: configuration.temperature)
        let slot = gradient?.slot(temperature: configuration.temperature, logSumExp: logSumExp)
        // Per pair: teacher probabilities, student values/indices, h = s·∂L/∂s.
        let scratchSize = 3 * k
        return parallelTerms(pairs.count, minimumChunk: rowsPerChunk(vocabularySize)) { range, terms in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchSize)
            let studentIndices = UnsafeMutablePointer<Int32>.allocate(capacity: k)
            defer { scratch.deallocate(); studentIndices.deallocate() }
            let teacherProbabilities = scratch, student = scratch + k, h = scratch + 2 * k
            for pairIndex in range {
                let pair = pairs[pairIndex]
                let row = rows.row(pair.student)
                let tail = teacher.temperedProbabilities(position: pair.teacher,
                                                         inverseTemperature: inverseTemperature,
                                                         into: teacherProbabilities)
                var sortedTeacher = UnsafeMutableBufferPointer(start: teacherProbabilities, count: k)
                sortedTeacher.sort(by: >)
                let selected = TopKSelection.select(row, count: vocabularySize, k: k,
                                                    values: student, indices: studentIndices)
                let normaliser = logSumExp[pair.student]
                var headMass = 0.0
                for j in 0..<selected {
                    student[j] = VectorMath.exp(student[j] * inverseTemperature - normaliser)
                    headMass += Double(student[j])
                }
                let rest = Float(max(0, 1 - headMass))
                var distance = Double(abs(tail - rest))
                for j in 0..<k {
                    let s: Float = j < selected ? student[j] : 0
                    distance += Double(abs(teacherProbabilities[j] - s))
                }
                terms[pairIndex] = distance
                guard let gradient, let slot else { continue }
                // ∂|t−s|/∂s = sign(s−t); ∂|τ−R|/∂s_(j) = sign(τ−R) since ∂R/∂s_(j) = −1.
                let tailSign = sign(tail - rest)
                for j in 0..<selected {
                    h[j] = student[j] * (sign(student[j] - teacherProbabilities[j]) + tailSign)
                }
                gradient.add(row: pair.student, slot: slot, indices: studentIndices, h: h, entries: selected,
                             scale: scale)
            }
        }
    }
}
