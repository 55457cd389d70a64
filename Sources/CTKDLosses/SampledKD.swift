import CTKDCore

/// Sampled knowledge distillation (Anshumann et al. 2025, arXiv 2503.16870): the cross-entropy
/// to N tokens drawn from the teacher's full distribution, `−Σ_v (count_v / N) log s(v)` per
/// paired position — an unbiased estimate of the cross-entropy to the teacher, so the tail is
/// supervised and the student does not become over-confident the way top-k targets make it.
/// Same tokenizer only. There is no temperature: tempering would break the unbiasedness.
public struct SampledKDConfiguration: Codable, Sendable, Equatable {
    /// Weight of the sampled term in `CE + weight · sampled`.
    public var weight: Float = 1
    public var alignment: AlignmentMode = .bytes

    public init() {}

    enum CodingKeys: String, CodingKey { case weight, alignment }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = Self()
        weight = try container.decode(.weight, default: defaults.weight)
        alignment = try container.decode(.alignment, default: defaults.alignment)
        try validate()
    }

    public func validate() throws {
        try requirePositive(weight, "sampled.weight", allowZero: true)
    }
}

public struct SampledKD: Sendable {
    public var configuration: SampledKDConfiguration

    public init(_ configuration: SampledKDConfiguration = SampledKDConfiguration()) {
        self.configuration = configuration
    }

    /// Σ over `pairs` (with at least one draw) of −Σ_v (c_v/N) log s(v); when `dlogits` is given,
    /// adds `scale` · (s − c/N) into it.
    public func forwardBackward(_ rows: LogitRows, teacher: SampledTargets, pairs: [PositionPair],
                                dlogits: UnsafeMutablePointer<Float>?, scale: Float) -> Double {
        LogitGradient.collect(rows, sparseCapacity: sparseEntriesPerRow(teacher), adding: dlogits) {
            accumulate(rows, teacher: teacher, pairs: pairs, into: $0, scale: scale)
        }
    }

    /// Gradient entries per student row besides the softmax multiple: the most distinct draws
    /// of a position.
    public func sparseEntriesPerRow(_ teacher: SampledTargets) -> Int {
        zip(teacher.offsets, teacher.offsets.dropFirst()).map { $1 - $0 }.max() ?? 0
    }

    /// The same sum; the gradient goes into `gradient`.
    public func accumulate(_ rows: LogitRows, teacher: SampledTargets, pairs: [PositionPair],
                           into gradient: LogitGradient?, scale: Float) -> Double {
        let vocabularySize = rows.vocabularySize
        let slot = gradient?.slot(temperature: 1, logSumExp: rows.logSumExp)
        let widest = sparseEntriesPerRow(teacher)
        return parallelTerms(pairs.count, minimumChunk: rowsPerChunk(vocabularySize)) { range, terms in
            let h = UnsafeMutablePointer<Float>.allocate(capacity: max(1, widest))
            defer { h.deallocate() }
            for pairIndex in range {
                let pair = pairs[pairIndex]
                let first = teacher.offsets[pair.teacher], end = teacher.offsets[pair.teacher + 1]
                var draws = 0
                for entry in first..<end { draws += Int(teacher.counts[entry]) }
                guard draws > 0 else { terms[pairIndex] = 0; continue }
                let row = rows.row(pair.student)
                let normaliser = Double(rows.logSumExp[pair.student])
                var crossEntropy = 0.0
                for entry in first..<end {
                    let id = Int(teacher.ids[entry])
                    precondition(id >= 0 && id < vocabularySize, "sampled id \(id) outside the student vocabulary")
                    let weight = Double(teacher.counts[entry]) / Double(draws)
                    crossEntropy -= weight * (Double(row[id]) - normaliser)
                    h[entry - first] = Float(-weight)
                }
                terms[pairIndex] = crossEntropy
                guard let gradient, let slot else { continue }
                teacher.ids.withUnsafeBufferPointer { ids in
                    gradient.add(row: pair.student, slot: slot, indices: ids.baseAddress! + first, h: h,
                                 entries: end - first, scale: scale)
                }
            }
        }
    }
}
