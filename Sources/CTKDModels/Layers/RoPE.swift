#if canImport(Glibc)
import Glibc
#endif
import CTKDCore
import CTKDTensor

/// Rotary position embedding as Hugging Face's Llama applies it ("rotate half"): within each
/// head of size D, element i and i + D/2 are rotated by the angle `position · θ^(−2i/D)`.
///
/// The tables are computed the way transformers computes them, in float32 (inverse frequencies
/// `1 / θ^(2i/D)`, angles `position · frequency`, then cos and sin), so that long positions get the
/// same rounded angles as the reference; they grow on demand past the model's context length.
public struct RotaryTable: Sendable {
    public let headSize: Int
    public let theta: Double
    public private(set) var positions: Int
    var cosines: [Float]  // (positions, D/2)
    var sines: [Float]    // (positions, D/2)

    public init(headSize: Int, theta: Double, positions: Int) {
        precondition(headSize % 2 == 0, "rotary embedding needs an even head size")
        self.headSize = headSize
        self.theta = theta
        self.positions = 0
        cosines = []
        sines = []
        grow(to: positions)
    }

    /// Extends the tables to cover positions 0..<count.
    public mutating func grow(to count: Int) {
        guard count > positions else { return }
        let half = headSize / 2
        cosines.reserveCapacity(count * half)
        sines.reserveCapacity(count * half)
        for position in positions..<count {
            for i in 0..<half {
                let exponent = Float(2 * i) / Float(headSize)
                let inverseFrequency = 1 / Float(Glibc.pow(theta, Double(exponent)))
                let angle = Float(position) * inverseFrequency
                cosines.append(Float(Glibc.cos(Double(angle))))
                sines.append(Float(Glibc.sin(Double(angle))))
            }
        }
        positions = count
    }
}

public enum RoPE {
    /// Rotates `heads` consecutive heads of size D in each row, in place, at that row's position.
    /// Shapes: `x` rows of `stride` floats, heads starting at `x + row·stride`; `positions` (N).
    /// With `inverse`, rotates by the negative angle: the backward pass (the rotation is orthogonal).
    public static func apply(
        _ x: UnsafeMutablePointer<Float>, stride: Int, heads: Int, positions: UnsafePointer<Int32>,
        rows: Int, table: RotaryTable, inverse: Bool = false
    ) {
        let half = table.headSize / 2
        let x = UncheckedPointer(x)
        table.cosines.withUnsafeBufferPointer { cosines in
            table.sines.withUnsafeBufferPointer { sines in
                Parallel.forEachChunk(rows, minimumChunk: 16) { range in
                    for row in range {
                        let position = Int(positions[row])
                        let cosRow = cosines.baseAddress! + position * half
                        let sinRow = sines.baseAddress! + position * half
                        for head in 0..<heads {
                            let first = x.pointer + row * stride + head * table.headSize
                            let second = first + half
                            rotate(first, second, cosRow, sinRow, count: half, sign: inverse ? -1 : 1)
                        }
                    }
                }
            }
        }
    }

    /// (a, b) ← (a·cos − s·b·sin, b·cos + s·a·sin) with s = ±1.
    @inline(__always)
    static func rotate(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>,
                       _ cosines: UnsafePointer<Float>, _ sines: UnsafePointer<Float>, count: Int, sign: Float) {
        var i = 0
        while i + 8 <= count {
            let x1 = VectorMath.load(a, i), x2 = VectorMath.load(b, i)
            let c = VectorMath.load(cosines, i), s = VectorMath.load(sines, i) * sign
            VectorMath.store(x1 * c - x2 * s, a, i)
            VectorMath.store(x2 * c + x1 * s, b, i)
            i += 8
        }
        while i < count {
            let x1 = a[i], x2 = b[i]
            let c = cosines[i], s = sines[i] * sign
            a[i] = x1 * c - x2 * s
            b[i] = x2 * c + x1 * s
            i += 1
        }
    }
}
