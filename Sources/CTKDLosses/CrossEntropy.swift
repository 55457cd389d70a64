import CTKDCore

/// Cross-entropy of the student on its own response tokens: the SFT baseline, and the CE term that
/// every distillation objective adds to (methods.md §4).
public enum CrossEntropy {
    /// Σ_t −log softmax(z_t)[y_t] over the rows whose target y_t ≥ 0; when `dlogits` is given,
    /// adds `scale` · (softmax(z_t) − onehot(y_t)) into it (llm.c's convention: backward adds).
    ///
    ///     let sum = CrossEntropy.forwardBackward(rows, targets: student.targets,
    ///                                            dlogits: gradient, scale: 1 / Float(tokenCount))
    public static func forwardBackward(_ rows: LogitRows, targets: [Int32],
                                       dlogits: UnsafeMutablePointer<Float>?, scale: Float) -> Double {
        LogitGradient.collect(rows, sparseCapacity: sparseEntriesPerRow, adding: dlogits) {
            accumulate(rows, targets: targets, into: $0, scale: scale)
        }
    }

    /// The same sum; the gradient goes into `gradient` (written later, with the other terms).
    public static func accumulate(_ rows: LogitRows, targets: [Int32], into gradient: LogitGradient?,
                                  scale: Float) -> Double {
        precondition(targets.count == rows.rows, "one target per row")
        let vocabularySize = rows.vocabularySize
        let slot = gradient?.slot(temperature: 1, logSumExp: rows.logSumExp)
        return targets.withUnsafeBufferPointer { targets in
            parallelSum(rows.rows, minimumChunk: 64) { t in
                let target = Int(targets[t])
                guard target >= 0 else { return 0 }
                precondition(target < vocabularySize, "target \(target) outside the vocabulary")
                if let gradient, let slot {
                    var index = Int32(target)
                    var h: Float = -1   // s_y · ∂(−log s_y)/∂s_y
                    gradient.add(row: t, slot: slot, indices: &index, h: &h, entries: 1, scale: scale)
                }
                return Double(rows.logSumExp[t]) - Double(rows.row(t)[target])
            }
        }
    }

    /// Gradient entries per row besides the softmax multiple.
    public static let sparseEntriesPerRow = 1

    /// The number of rows that count towards the cross-entropy (target ≥ 0).
    public static func tokenCount(_ targets: [Int32]) -> Int { targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }
}
