#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Vectorised elementwise math. `exp` is a polynomial on 8 lanes at a time: libm's scalar `exp`
/// caps a loop at ~5 ns per element, this runs at well under 1 ns (performance-notes.md).
///
/// `exp` is `@inlinable` so that loops in other modules inline it (`@inline(__always)` alone does
/// not cross modules, and a call per 8 lanes costs more than the polynomial), and clamps and
/// maxima use compare-and-blend (`replacing(with:where:)`): the standard library's generic
/// `pointwiseMin`/`pointwiseMax` were not inlined across modules and ran as calls. Loops finish
/// their last partial block with libm's `scalarExp`: the optimiser inlined only one call site of
/// `exp` per function and called the others, and `exp(_: Float)` in a tail loop is a second site.
public enum VectorMath {
    public typealias Vector = SIMD8<Float>

    /// e^x for each lane; relative error below 2e-7 for x in [-87, 88], 0 below -87.5, and
    /// e^88 above 88 (callers take exp of values at most 0 after subtracting a maximum).
    @inlinable @inline(__always)
    public static func exp(_ x: Vector) -> Vector {
        let low = Vector(repeating: -87.5), high = Vector(repeating: 88)
        let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        // Round x·log2(e) to the nearest integer n with the 1.5·2²³ trick: adding it leaves n in
        // the low mantissa bits, which also gives n as an integer without a slow conversion.
        let magic = Vector(repeating: 12_582_912)
        let shifted = magic.addingProduct(clamped, Vector(repeating: 1.442_695_04))
        let n = shifted - magic
        // r = x − n·ln2 in two parts (Cody–Waite), so r is accurate even for large n.
        var r = clamped.addingProduct(n, Vector(repeating: -0.693_145_75))
        r = r.addingProduct(n, Vector(repeating: -1.428_606_8e-6))
        var p = Vector(repeating: 1.0 / 120).addingProduct(Vector(repeating: 1.0 / 720), r)
        p = Vector(repeating: 1.0 / 24).addingProduct(p, r)
        p = Vector(repeating: 1.0 / 6).addingProduct(p, r)
        p = Vector(repeating: 0.5).addingProduct(p, r)
        p = Vector(repeating: 1).addingProduct(p, r)
        p = Vector(repeating: 1).addingProduct(p, r)
        let integerN = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((integerN &+ 127) &<< 23, to: Vector.self)
        return (p * scale).replacing(with: 0, where: x .< low)
    }

    /// e^x for one value, through the vector path (same rounding as the vector version).
    @inlinable @inline(__always)
    public static func exp(_ x: Float) -> Float { exp(Vector(repeating: x))[0] }

    /// out[i] = e^(in[i] - shift), returns the sum of the outputs.
    @discardableResult
    public static func expShifted(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                                  count: Int, shift: Float) -> Float {
        var sum = Vector.zero
        var index = 0
        let rawInput = UnsafeRawPointer(input)
        let rawOutput = UnsafeMutableRawPointer(output)
        while index + 8 <= count {
            let value = exp(rawInput.loadUnaligned(fromByteOffset: index * 4, as: Vector.self) - shift)
            rawOutput.storeBytes(of: value, toByteOffset: index * 4, as: Vector.self)
            sum += value
            index += 8
        }
        var total = sum.sum()
        while index < count {
            let value = scalarExp(input[index] - shift)
            output[index] = value
            total += value
            index += 1
        }
        return total
    }

    /// Σ e^(in[i] - shift), without storing the terms.
    public static func sumExpShifted(_ input: UnsafePointer<Float>, count: Int, shift: Float) -> Float {
        var sum = Vector.zero
        var index = 0
        let raw = UnsafeRawPointer(input)
        while index + 8 <= count {
            sum += exp(raw.loadUnaligned(fromByteOffset: index * 4, as: Vector.self) - shift)
            index += 8
        }
        var total = sum.sum()
        while index < count {
            total += scalarExp(input[index] - shift)
            index += 1
        }
        return total
    }

    /// e^x from libm, for the < 8 elements after a loop's last full block: a loop that used the
    /// vector `exp` there too would have it called instead of inlined.
    @inlinable @inline(__always)
    public static func scalarExp(_ x: Float) -> Float {
        #if canImport(Glibc)
        Glibc.expf(x)
        #else
        Darwin.expf(x)
        #endif
    }

    /// The largest element (−infinity for an empty range).
    public static func maximum(_ input: UnsafePointer<Float>, count: Int) -> Float {
        var best = Vector(repeating: -.infinity)
        var index = 0
        let raw = UnsafeRawPointer(input)
        while index + 8 <= count {
            let value = raw.loadUnaligned(fromByteOffset: index * 4, as: Vector.self)
            best = best.replacing(with: value, where: value .> best)
            index += 8
        }
        var result = best.max()
        while index < count {
            result = Swift.max(result, input[index])
            index += 1
        }
        return result
    }

    public static func sum(_ input: UnsafePointer<Float>, count: Int) -> Float {
        var total = Vector.zero
        var index = 0
        let raw = UnsafeRawPointer(input)
        while index + 8 <= count {
            total += raw.loadUnaligned(fromByteOffset: index * 4, as: Vector.self)
            index += 8
        }
        var result = total.sum()
        while index < count {
            result += input[index]
            index += 1
        }
        return result
    }
}
