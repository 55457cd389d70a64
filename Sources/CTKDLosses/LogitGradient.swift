import CTKDCore

/// Where a sequence's logit gradient goes.
public enum LogitGradientDestination: @unchecked Sendable {
    // @unchecked: a pointer into the caller's gradient buffer; only the objective writes it.
    /// Evaluation only.
    case none
    /// Add into a separate (T_s, V) buffer (llm.c's convention).
    case add(to: UnsafeMutablePointer<Float>)
    /// Replace the logits by their gradient, in place — for trainers that keep no separate
    /// (B, T, V) gradient buffer. Every loss reads the logits before the first row is written.
    case overwriteLogits
}

/// The gradient of a sum of losses with respect to one sequence's logits, collected while the
/// losses read the logits and written afterwards in one pass per row.
///
/// Every loss here is a function of softmax(z/τ) restricted to a few entries per row, so its
/// gradient is (1/τ)(h − s Σh) with h = s·∂L/∂s sparse: a multiple of the tempered softmax plus
/// sparse entries. Collecting those per row lets CE and a distillation loss share one pass over
/// the vocabulary, and lets the write replace the logits in place.
///
///     let gradient = LogitGradient(rows: rows, sparseCapacity: 1 + k)
///     _ = CrossEntropy.accumulate(rows, targets: targets, into: gradient, scale: 1 / n)
///     _ = ULD().accumulate(rows, teacher: topK, pairs: pairs, into: gradient, scale: 1.5 / n)
///     gradient.write(.add(to: dlogits))
public final class LogitGradient: @unchecked Sendable {
    // @unchecked: losses fill it from parallel loops in which each iteration owns distinct rows;
    // the storage is only reached through those rows' pointers.
    public let logits: LogitRows
    /// Sparse entries a row can hold.
    public let sparseCapacity: Int
    private let coefficients: UnsafeMutablePointer<Float>      // (slots, T_s)
    private let sparseIndices: UnsafeMutablePointer<Int32>     // (T_s, capacity)
    private let sparseValues: UnsafeMutablePointer<Float>      // (T_s, capacity)
    private let sparseCounts: UnsafeMutablePointer<Int>        // (T_s)
    private var slots: [(inverseTemperature: Float, logSumExp: [Float])] = []
    private static let maximumSlots = 4

    public init(rows logits: LogitRows, sparseCapacity: Int) {
        self.logits = logits
        self.sparseCapacity = sparseCapacity
        let rows = max(1, logits.rows)
        coefficients = .allocate(capacity: Self.maximumSlots * rows)
        coefficients.initialize(repeating: 0, count: Self.maximumSlots * rows)
        sparseIndices = .allocate(capacity: max(1, rows * sparseCapacity))
        sparseValues = .allocate(capacity: max(1, rows * sparseCapacity))
        sparseCounts = .allocate(capacity: rows)
        sparseCounts.initialize(repeating: 0, count: rows)
    }

    deinit {
        coefficients.deallocate()
        sparseIndices.deallocate()
        sparseValues.deallocate()
        sparseCounts.deallocate()
    }

    /// The slot of the softmax at `temperature` with its row normalisers; call before a loss's
    /// parallel loop, never inside it.
    public func slot(temperature: Float, logSumExp: [Float]) -> Int {
        let inverse = 1 / temperature
        if let index = slots.firstIndex(where: { $0.inverseTemperature == inverse }) { return index }
        precondition(slots.count < Self.maximumSlots, "more softmax temperatures than LogitGradient holds")
        slots.append((inverse, logSumExp))
        return slots.count - 1
    }

    /// Adds `scale` · ∂L/∂z for row `t`, where h_v = s_v ∂L/∂s_v at `indices` (0 elsewhere) and s is
    /// the softmax of slot `slot`: (scale/τ)(h − s Σh). Indices may repeat.
    public func add(row t: Int, slot: Int, indices: UnsafePointer<Int32>, h: UnsafePointer<Float>, entries: Int,
                    scale: Float) {
        let step = scale * slots[slot].inverseTemperature
        var sumH: Float = 0
        for entry in 0..<entries { sumH += h[entry] }
        coefficients[slot * max(1, logits.rows) + t] -= step * sumH
        let count = sparseCounts[t]
        precondition(count + entries <= sparseCapacity, "row \(t): more sparse gradient entries than reserved")
        for entry in 0..<entries {
            sparseIndices[t * sparseCapacity + count + entry] = indices[entry]
            sparseValues[t * sparseCapacity + count + entry] = step * h[entry]
        }
        sparseCounts[t] = count + entries
    }

    /// Writes the collected gradient, one pass over each row.
    public func write(_ destination: LogitGradientDestination) {
        let output: UnsafeMutablePointer<Float>
        let overwrite: Bool
        switch destination {
        case .none: return
        case .add(let pointer): output = pointer; overwrite = false
        case .overwriteLogits: output = UnsafeMutablePointer(mutating: logits.logits); overwrite = true
        }
        let rows = logits.rows, vocabularySize = logits.vocabularySize
        let slots = self.slots, coefficients = self.coefficients, rowCount = max(1, rows)
        let sparseIndices = self.sparseIndices, sparseValues = self.sparseValues, sparseCounts = self.sparseCounts
        let out = UncheckedPointer(output)
        Parallel.forEachChunk(rows, minimumChunk: rowsPerChunk(vocabularySize)) { range in
            var inverseTemperatures = [Float](repeating: 0, count: Self.maximumSlots)
            var logNormalisers = inverseTemperatures, rowCoefficients = inverseTemperatures
            for t in range {
                var active = 0
                for (index, slot) in slots.enumerated() where coefficients[index * rowCount + t] != 0 {
                    inverseTemperatures[active] = slot.inverseTemperature
                    logNormalisers[active] = slot.logSumExp[t]
                    rowCoefficients[active] = coefficients[index * rowCount + t]
                    active += 1
                }
                let destination = out.pointer + t * vocabularySize
                LogitKernels.combineSoftmaxes(self.logits.row(t), into: destination, count: vocabularySize,
                                              inverseTemperatures: inverseTemperatures, logNormalisers: logNormalisers,
                                              coefficients: rowCoefficients, terms: active, overwrite: overwrite)
                for entry in 0..<sparseCounts[t] {
                    destination[Int(sparseIndices[t * sparseCapacity + entry])] += sparseValues[t * sparseCapacity + entry]
                }
            }
        }
    }
}

extension LogitGradient {
    /// Runs `body` with a collector when `dlogits` is given, then adds what it collected into
    /// `dlogits`: the standalone form of every loss's `forwardBackward`.
    static func collect<Value>(_ rows: LogitRows, sparseCapacity: Int, adding dlogits: UnsafeMutablePointer<Float>?,
                               _ body: (LogitGradient?) -> Value) -> Value {
        guard let dlogits else { return body(nil) }
        let gradient = LogitGradient(rows: rows, sparseCapacity: sparseCapacity)
        let value = body(gradient)
        gradient.write(.add(to: dlogits))
        return value
    }
}
