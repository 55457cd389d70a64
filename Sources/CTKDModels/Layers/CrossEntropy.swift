import CTKDCore
import CTKDTensor

/// Softmax cross-entropy over the vocabulary, per row: `loss[n] = logsumexp(logits[n]) − logits[n, target[n]]`.
///
/// Shapes: `logits` (N, V), `targets` (N) with −1 marking rows that do not count (padding,
/// prompt tokens), `losses` (N, 0 for ignored rows).
public enum CrossEntropy {
    public static let ignoredTarget: Int32 = -1

    public static func forward(losses: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>,
                               targets: UnsafePointer<Int32>, rows: Int, vocabulary: Int) {
        let losses = UncheckedPointer(losses)
        Parallel.forEachChunk(rows, minimumChunk: 4) { range in
            for row in range {
                let target = targets[row]
                guard target >= 0 else { losses.pointer[row] = 0; continue }
                let x = logits + row * vocabulary
                losses.pointer[row] = Softmax.logSumExp(x, count: vocabulary) - x[Int(target)]
            }
        }
    }

    /// The forward pass and, in place, the gradient: each counted row of `logits` becomes
    /// `gradientScale · (softmax(row) − onehot(target))`, each ignored row becomes zeros.
    /// For the mean over counted rows, `gradientScale` is 1 / (number of counted rows).
    public static func forwardBackward(losses: UnsafeMutablePointer<Float>, logits: UnsafeMutablePointer<Float>,
                                       targets: UnsafePointer<Int32>, rows: Int, vocabulary: Int,
                                       gradientScale: Float) {
        let (losses, logits) = (UncheckedPointer(losses), UncheckedPointer(logits))
        Parallel.forEachChunk(rows, minimumChunk: 4) { range in
            for row in range {
                let x = logits.pointer + row * vocabulary
                let target = targets[row]
                guard target >= 0 else {
                    losses.pointer[row] = 0
                    x.update(repeating: 0, count: vocabulary)
                    continue
                }
                let maximum = VectorMath.maximum(x, count: vocabulary)
                let targetLogit = x[Int(target)]
                let total = VectorMath.expShifted(x, x, count: vocabulary, shift: maximum)
                losses.pointer[row] = maximum + logf(total) - targetLogit
                VectorMath.scale(x, count: vocabulary, by: gradientScale / total)
                x[Int(target)] -= gradientScale
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
