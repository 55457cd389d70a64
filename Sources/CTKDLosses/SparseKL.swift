import CTKDCore
import CTKDTensor
#if canImport(Glibc)
import Glibc
#endif

/// Same-tokenizer KL(teacher ‖ student) from the top-k cache, with the tail as one bucket
/// (methods.md §4): Σ_{v∈K} p_v log(p_v / s_v) + τ log(τ / (1 − Σ_{v∈K} s_v)). Only valid when the
/// student's tokenizer is the teacher's, since it compares distributions id by id.
public struct SparseKLConfiguration: Codable, Sendable, Equatable {
    /// Weight of the KL term in `CE + weight · KL`.
    public var weight: Float = 1
    /// Softmax temperature of both sides; at τ ≠ 1 the loss is multiplied by τ² (Hinton et al.)
    /// so its gradients keep their size, and the teacher's tail is tempered as one bucket.
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
        try requirePositive(weight, "kl.weight", allowZero: true)
        try requirePositive(temperature, "kl.temperature")
    }
}

public struct SparseKL: Sendable {
    public var configuration: SparseKLConfiguration

    public init(_ configuration: SparseKLConfiguration = SparseKLConfiguration()) {
        self.configuration = configuration
    }

    /// Σ over `pairs` of the top-k + tail KL; when `dlogits` is given, adds `scale` · ∂/∂logits.
    /// The teacher's ids at a position must be distinct and inside the student's vocabulary.
    ///
    /// The student's tail 1 − Σ_K s_v is summed directly over the tokens outside K (the gaps between
    /// the sorted top-k ids), not as 1 minus the head: with a confident student the difference would
    /// cancel to float noise exactly where the tail term's log needs it.
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
        let temperature = configuration.temperature
        let inverseTemperature = 1 / temperature
        let temperatureSquared = Double(temperature * temperature)
        let logSumExp = rows.logSumExp(temperature: temperature)
        let slot = gradient?.slot(temperature: temperature, logSumExp: logSumExp)
        return parallelTerms(pairs.count, minimumChunk: rowsPerChunk(vocabularySize)) { range, terms in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 3 * k)
            let ids = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * k)
            defer { scratch.deallocate(); ids.deallocate() }
            let probabilities = scratch, studentProbabilities = scratch + k, h = scratch + 2 * k
            let entryIds = ids, sortedIds = ids + k
            for pairIndex in range {
                let pair = pairs[pairIndex]
                let row = rows.row(pair.student)
                let normaliser = logSumExp[pair.student]
                let tail = teacher.temperedProbabilities(position: pair.teacher, inverseTemperature: inverseTemperature,
                                                         into: probabilities)
                var entries = 0
                var divergence = 0.0
                for entry in 0..<k {
                    let id = teacher.ids[pair.teacher * k + entry]
                    guard id >= 0 else { continue }
                    precondition(Int(id) < vocabularySize, "teacher id \(id) outside the student vocabulary")
                    let logStudent = row[Int(id)] * inverseTemperature - normaliser
                    let student = VectorMath.exp(logStudent)
                    let p = probabilities[entry]
                    if p > 0 { divergence += Double(p) * (log(Double(p)) - Double(logStudent)) }
                    entryIds[entries] = id
                    sortedIds[entries] = id
                    h[entries] = -p   // + s_v·τ/R below, once R is known
                    studentProbabilities[entries] = student
                    entries += 1
                }
                var sorted = UnsafeMutableBufferPointer(start: sortedIds, count: entries)
                sorted.sort()
                let rest = max(Double(restMass(row, count: vocabularySize, excluding: sortedIds, entries: entries,
                                               inverseTemperature: inverseTemperature, logNormaliser: normaliser)),
                               1e-30)
                if tail > 0 { divergence += Double(tail) * (log(Double(tail)) - log(rest)) }
                terms[pairIndex] = temperatureSquared * divergence
                guard let gradient, let slot else { continue }
                // ∂/∂s_v of −τ log(1 − Σ_K s) is τ/R, so h_v = s_v·∂L/∂s_v = −p_v + s_v τ/R.
                let tailRatio = Float(Double(tail) / rest)
                for entry in 0..<entries { h[entry] += studentProbabilities[entry] * tailRatio }
                gradient.add(row: pair.student, slot: slot, indices: entryIds, h: h, entries: entries,
                             scale: scale * Float(temperatureSquared))
            }
        }
    }

    /// Σ_{v ∉ excluded} exp(x_v / τ − logNormaliser), summing the runs between the sorted ids.
    private func restMass(_ row: UnsafePointer<Float>, count: Int, excluding sortedIds: UnsafePointer<Int32>,
                          entries: Int, inverseTemperature: Float, logNormaliser: Float) -> Float {
        var total: Float = 0
        var start = 0
        for entry in 0..<entries {
            let id = Int(sortedIds[entry])
            if id > start {
                total += LogitKernels.sumExp(row, start..<id, inverseTemperature: inverseTemperature,
                                             shift: logNormaliser)
            }
            start = max(start, id + 1)
        }
        if start < count {
            total += LogitKernels.sumExp(row, start..<count, inverseTemperature: inverseTemperature,
                                         shift: logNormaliser)
        }
        return total
    }
}
