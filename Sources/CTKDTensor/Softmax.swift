#if canImport(Glibc)
import Glibc
#endif

/// Row-wise softmax and log-softmax over contiguous rows, the shared kernel of attention, the
/// cross-entropy over the vocabulary, the teacher's top-k extraction and the distillation losses.
public enum Softmax {
    /// `output = softmax(input / temperature)` for one row; `output` may alias `input`.
    public static func row(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                           count: Int, temperature: Float = 1) {
        if temperature != 1 {
            let inverse = 1 / temperature
            for index in 0..<count { output[index] = input[index] * inverse }
            row(output, output, count: count)
            return
        }
        let maximum = VectorMath.maximum(input, count: count)
        let total = VectorMath.expShifted(input, output, count: count, shift: maximum)
        let inverse = 1 / total
        for index in 0..<count { output[index] *= inverse }
    }

    /// log Σ exp(input[i]), computed stably.
    public static func logSumExp(_ input: UnsafePointer<Float>, count: Int) -> Float {
        let maximum = VectorMath.maximum(input, count: count)
        if maximum == -.infinity { return -.infinity }
        return maximum + logf(VectorMath.sumExpShifted(input, count: count, shift: maximum))
    }

    /// `output = log_softmax(input)` for one row; `output` may alias `input`.
    public static func logRow(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        let normaliser = logSumExp(input, count: count)
        for index in 0..<count { output[index] = input[index] - normaliser }
    }
}
