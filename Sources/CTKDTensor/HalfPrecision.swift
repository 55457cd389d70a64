/// Conversions between Float32 and the 16-bit formats that model files use. With
/// `-target-cpu haswell` the Float16 conversions are single F16C instructions (performance-notes.md).
public enum HalfPrecision {
    /// bfloat16 is the top half of a Float32: widening is a shift.
    @inline(__always)
    public static func floatFromBFloat16(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// Rounds to the nearest bfloat16, ties to even (as PyTorch does); NaN stays NaN.
    @inline(__always)
    public static func bfloat16(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(bits >> 16) | 0x40 }
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16((bits &+ rounding) >> 16)
    }

    @inline(__always)
    public static func floatFromFloat16(_ bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }

    /// Widens `count` little-endian 16-bit values (bfloat16 or IEEE half) from raw bytes.
    public static func widen(_ source: UnsafeRawPointer, _ destination: UnsafeMutablePointer<Float>,
                             count: Int, bfloat: Bool) {
        if bfloat {
            for index in 0..<count {
                destination[index] = floatFromBFloat16(source.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self))
            }
        } else {
            var index = 0
            while index + 8 <= count {
                let half = source.loadUnaligned(fromByteOffset: 2 * index, as: SIMD8<Float16>.self)
                UnsafeMutableRawPointer(destination + index).storeBytes(of: SIMD8<Float>(half), as: SIMD8<Float>.self)
                index += 8
            }
            while index < count {
                destination[index] = floatFromFloat16(source.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self))
                index += 1
            }
        }
    }
}
