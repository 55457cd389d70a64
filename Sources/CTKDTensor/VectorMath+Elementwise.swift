/// Elementwise and reduction kernels on contiguous Float32 ranges, 8 lanes at a time.
/// Inputs and outputs may alias exactly (same pointer), never partially.
extension VectorMath {
    @inlinable @inline(__always)
    public static func load(_ pointer: UnsafePointer<Float>, _ index: Int) -> Vector {
        UnsafeRawPointer(pointer + index).loadUnaligned(as: Vector.self)
    }

    @inlinable @inline(__always)
    public static func store(_ value: Vector, _ pointer: UnsafeMutablePointer<Float>, _ index: Int) {
        UnsafeMutableRawPointer(pointer + index).storeBytes(of: value, as: Vector.self)
    }

    /// The first `count` (< 8) values at `pointer`, zeros in the other lanes: loops run their last
    /// partial block through the same vector code, keeping one (inlined) call site of `exp`.
    @inlinable @inline(__always)
    public static func loadPartial(_ pointer: UnsafePointer<Float>, _ index: Int, count: Int) -> Vector {
        var value = Vector.zero
        for lane in 0..<count { value[lane] = pointer[index + lane] }
        return value
    }

    @inlinable @inline(__always)
    public static func storePartial(_ value: Vector, _ pointer: UnsafeMutablePointer<Float>, _ index: Int, count: Int) {
        for lane in 0..<count { pointer[index + lane] = value[lane] }
    }

    /// tanh on 8 lanes through `exp`: tanh(x) = 1 − 2 / (e^{2x} + 1); absolute error ~1e-7.
    @inlinable @inline(__always)
    public static func tanh(_ x: Vector) -> Vector {
        1 - 2 / (exp(2 * x) + 1)
    }

    /// The logistic function 1 / (1 + e^{−x}) on 8 lanes.
    @inlinable @inline(__always)
    public static func sigmoid(_ x: Vector) -> Vector {
        1 / (1 + exp(-x))
    }

    /// `output[i] = a[i] + b[i]`.
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                           _ output: UnsafeMutablePointer<Float>, count: Int) {
        var index = 0
        while index + 8 <= count {
            store(load(a, index) + load(b, index), output, index)
            index += 8
        }
        while index < count {
            output[index] = a[index] + b[index]
            index += 1
        }
    }

    /// `y[i] += alpha * x[i]`.
    public static func addScaled(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                 count: Int, alpha: Float = 1) {
        var index = 0
        while index + 8 <= count {
            store(load(y, index).addingProduct(load(x, index), alpha), y, index)
            index += 8
        }
        while index < count {
            y[index] += alpha * x[index]
            index += 1
        }
    }

    /// `x[i] *= alpha`.
    public static func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by alpha: Float) {
        var index = 0
        while index + 8 <= count {
            store(load(x, index) * alpha, x, index)
            index += 8
        }
        while index < count {
            x[index] *= alpha
            index += 1
        }
    }

    /// Σ a[i]·b[i], accumulated in 8 Float32 lanes.
    @inlinable @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var sum = Vector.zero
        var index = 0
        while index + 8 <= count {
            sum = sum.addingProduct(load(a, index), load(b, index))
            index += 8
        }
        var result = sum.sum()
        while index < count {
            result += a[index] * b[index]
            index += 1
        }
        return result
    }

    /// Σ x[i]², accumulated in Double per block of 8 lanes (used for gradient norms, where the
    /// sum runs over millions of values).
    public static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
        var total = 0.0
        var index = 0
        while index < count {
            let end = min(count, index + 4096)
            var sum = Vector.zero
            while index + 8 <= end {
                let value = load(x, index)
                sum = sum.addingProduct(value, value)
                index += 8
            }
            var block = Double(sum.sum())
            while index < end {
                block += Double(x[index] * x[index])
                index += 1
            }
            total += block
        }
        return total
    }

    /// `output[i] = value`.
    public static func fill(_ output: UnsafeMutablePointer<Float>, count: Int, with value: Float) {
        output.initialize(repeating: value, count: count)
    }
}
