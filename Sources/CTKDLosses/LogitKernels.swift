import CTKDTensor
#if canImport(Glibc)
import Glibc
#endif

/// SIMD passes over one row of logits at a temperature: the normaliser, adding a multiple of the
/// tempered softmax into a gradient row, and accumulating it into column sums. Each is one pass
/// with the polynomial exp of `VectorMath` (performance-notes.md: libm exp is 5× slower). Each
/// kernel is its own function (`@inline(never)`) with one call site of the vector `exp` and libm
/// for the < 8 trailing elements: the optimiser inlines `exp` at one call site per function only,
/// and a call per 8 lanes doubles a pass's cost.
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
        let raw = UnsafeRawPointer(row)
        while index + 8 <= range.upperBound {
            let x = raw.loadUnaligned(fromByteOffset: index * 4, as: Vector.self)
            sum += VectorMath.exp(x * inverseTemperature - shift)
            index += 8
        }
        var total = sum.sum()
        while index < range.upperBound {
            total += VectorMath.scalarExp(row[index] * inverseTemperature - shift)
            index += 1
        }
        return total
    }

    /// out_v += coefficient · exp(x_v / τ − logNormaliser) for every v: the dense part of a
    /// softmax backward.
    @inline(never)
    static func addScaledSoftmax(_ row: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int,
                                 inverseTemperature: Float, logNormaliser: Float, coefficient: Float) {
        var index = 0
        let input = UnsafeRawPointer(row)
        let output = UnsafeMutableRawPointer(out)
        while index + 8 <= count {
            let x = input.loadUnaligned(fromByteOffset: index * 4, as: Vector.self)
            let old = output.loadUnaligned(fromByteOffset: index * 4, as: Vector.self)
            let new = old.addingProduct(VectorMath.exp(x * inverseTemperature - logNormaliser), coefficient)
            output.storeBytes(of: new, toByteOffset: index * 4, as: Vector.self)
            index += 8
        }
        while index < count {
            out[index] += coefficient * VectorMath.scalarExp(row[index] * inverseTemperature - logNormaliser)
            index += 1
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
        let input = UnsafeRawPointer(row)
        let output = UnsafeMutableRawPointer(out)
        while index + 8 <= count {
            let x = input.loadUnaligned(fromByteOffset: index * 4, as: Vector.self)
            var sum = overwrite ? Vector.zero : output.loadUnaligned(fromByteOffset: index * 4, as: Vector.self)
            for term in 0..<terms {
                sum = sum.addingProduct(VectorMath.exp(x * inverseTemperatures[term] - logNormalisers[term]),
                                        coefficients[term])
            }
            output.storeBytes(of: sum, toByteOffset: index * 4, as: Vector.self)
            index += 8
        }
        while index < count {
            let x = row[index]
            var sum: Float = overwrite ? 0 : out[index]
            for term in 0..<terms {
                sum += coefficients[term] * VectorMath.scalarExp(x * inverseTemperatures[term] - logNormalisers[term])
            }
            out[index] = sum
            index += 1
        }
    }
}

/// sign(x) with sign(0) = 0: the subgradient of |x| that PyTorch's `abs` uses.
@inline(__always)
func sign(_ x: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : 0) }
