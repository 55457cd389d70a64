import CTKDTensor
#if canImport(Glibc)
import Glibc
#endif

/// SIMD passes over one row of logits at a temperature: the normaliser, adding a multiple of the
/// tempered softmax into a gradient row, and accumulating it into column sums. Each is one pass
/// with the polynomial exp of `VectorMath` (performance-notes.md: libm exp is 5× slower), kept out
/// of line (`@inline(never)`) with a single `exp` call site: the optimiser inlines `exp` at one
/// call site per function only, and a call per 8 lanes doubles a pass's cost.
enum LogitKernels {
    typealias Vector = SIMD8<Float>

    /// log Σ_v exp(x_v / τ) for `inverseTemperature` = 1/τ > 0.
    static func logSumExp(_ row: UnsafePointer<Float>, count: Int, inverseTemperature: Float) -> Float {
        if inverseTemperature == 1 { return Softmax.logSumExp(row, count: count) }
        let maximum = VectorMath.maximum(row, count: count) * inverseTemperature
        if maximum == -.infinity { return -.infinity }
        return maximum + logf(sumExp(row, 0..<count, inverseTemperature: inverseTemperature, shift: maximum))
    }

    /// Σ_{v in range} exp(x_v / τ − shift).
    @inline(never)
    static func sumExp(_ row: UnsafePointer<Float>, _ range: Range<Int>, inverseTemperature: Float,
                       shift: Float) -> Float {
        var sum = Vector.zero
        var index = range.lowerBound
        while index < range.upperBound {
            let x = VectorMath.load(row + index, count: min(8, range.upperBound - index), padding: -.infinity)
            sum += VectorMath.exp(x * inverseTemperature - shift)
            index += 8
        }
        return sum.sum()
    }

    /// out_v += coefficient · exp(x_v / τ − logNormaliser) for every v: the dense part of a
    /// softmax backward.
    @inline(never)
    static func addScaledSoftmax(_ row: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int,
                                 inverseTemperature: Float, logNormaliser: Float, coefficient: Float) {
        var index = 0
        while index < count {
            let lanes = min(8, count - index)
            let x = VectorMath.load(row + index, count: lanes, padding: 0)
            let old = VectorMath.load(out + index, count: lanes, padding: 0)
            let new = old.addingProduct(VectorMath.exp(x * inverseTemperature - logNormaliser), coefficient)
            VectorMath.store(new, out + index, count: lanes)
            index += 8
        }
    }

    /// sums_v += exp(x_v / τ − logNormaliser): one row's tempered softmax added to column sums.
    static func accumulateSoftmax(_ row: UnsafePointer<Float>, into sums: UnsafeMutablePointer<Float>, count: Int,
                                  inverseTemperature: Float, logNormaliser: Float) {
        addScaledSoftmax(row, into: sums, count: count, inverseTemperature: inverseTemperature,
                         logNormaliser: logNormaliser, coefficient: 1)
    }

    /// out_v (+)= Σ_terms c · exp(x_v / τ − logNormaliser) for every v, reading x_v before writing
    /// out_v, so `out` may be `row` itself (`overwrite`: the sum replaces out instead of adding).
    @inline(never)
    static func combineSoftmaxes(_ row: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int,
                                 inverseTemperatures: UnsafePointer<Float>, logNormalisers: UnsafePointer<Float>,
                                 coefficients: UnsafePointer<Float>, terms: Int, overwrite: Bool) {
        if terms == 0 {
            if overwrite { out.update(repeating: 0, count: count) }
            return
        }
        if terms == 1 && !overwrite {
            addScaledSoftmax(row, into: out, count: count, inverseTemperature: inverseTemperatures[0],
                             logNormaliser: logNormalisers[0], coefficient: coefficients[0])
            return
        }
        var index = 0
        while index < count {
            let lanes = min(8, count - index)
            let x = VectorMath.load(row + index, count: lanes, padding: 0)
            var sum = overwrite ? Vector.zero : VectorMath.load(out + index, count: lanes, padding: 0)
            for term in 0..<terms {
                sum = sum.addingProduct(VectorMath.exp(x * inverseTemperatures[term] - logNormalisers[term]),
                                        coefficients[term])
            }
            VectorMath.store(sum, out + index, count: lanes)
            index += 8
        }
    }
}
