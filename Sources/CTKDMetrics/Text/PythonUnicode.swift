/// Python 3's `str` semantics on Unicode code points: `lower()`, `isspace()`, and the `\w` of `re`.
///
/// The reference metrics are Python programs, so "lower-case" means CPython's `str.lower()`: full
/// Unicode lowercasing (`"İ"` → `"i̇"`, two code points) with the context-sensitive Final_Sigma
/// rule (`"ΟΔΥΣΣΕΥΣ"` → `"οδυσσευς"`). Swift's `lowercased()` has no Final_Sigma rule and follows a
/// newer Unicode version, so it is not used; the tables come from Python itself
/// (`PythonUnicodeTables`, generated).
///
///     PythonUnicode.lowercase(Array("ΑΣ.".unicodeScalars.map(\.value)))   // α ς .
enum PythonUnicode {
    static let capitalSigma: UInt32 = 0x3A3
    static let smallSigma: UInt32 = 0x3C3
    static let finalSigma: UInt32 = 0x3C2
    static let capitalIWithDot: UInt32 = 0x130
    static let combiningDotAbove: UInt32 = 0x307

    private static let wordRanges = CodePointRanges(PythonUnicodeTables.wordRanges)
    private static let casedRanges = CodePointRanges(PythonUnicodeTables.casedRanges)
    private static let caseIgnorableRanges = CodePointRanges(PythonUnicodeTables.caseIgnorableRanges)

    /// The lower-case of one code point when that is a single code point (everything but U+0130),
    /// without context (U+03A3 gives σ here; `lowercase(_:)` applies Final_Sigma).
    @inline(__always)
    static func lowercase(_ scalar: UInt32) -> UInt32 {
        if scalar < 0x80 { return scalar &- 0x41 < 26 ? scalar | 0x20 : scalar }
        return lowercaseNonASCII(scalar)
    }

    static func lowercaseNonASCII(_ scalar: UInt32) -> UInt32 {
        let keys = PythonUnicodeTables.lowercaseFrom
        var low = 0
        var high = keys.count
        while low < high {
            let mid = (low + high) >> 1
            if keys[mid] < scalar { low = mid + 1 } else { high = mid }
        }
        return low < keys.count && keys[low] == scalar ? PythonUnicodeTables.lowercaseTo[low] : scalar
    }

    /// `str.lower()` of a whole string of code points, appended to `output`.
    static func lowercase(_ scalars: UnsafeBufferPointer<UInt32>, into output: inout [UInt32]) {
        for index in scalars.indices {
            let scalar = scalars[index]
            if scalar == capitalIWithDot {
                output.append(0x69)
                output.append(combiningDotAbove)
            } else if scalar == capitalSigma {
                output.append(isFinalSigma(scalars, at: index) ? finalSigma : smallSigma)
            } else {
                output.append(lowercase(scalar))
            }
        }
    }

    static func lowercase(_ scalars: [UInt32]) -> [UInt32] {
        var output = [UInt32]()
        scalars.withUnsafeBufferPointer { lowercase($0, into: &output) }
        return output
    }

    /// CPython's `handle_capital_sigma`: Σ is final when a cased letter precedes it and none
    /// follows it, skipping case-ignorable characters (apostrophes, periods, combining marks…) on
    /// both sides.
    static func isFinalSigma(_ scalars: UnsafeBufferPointer<UInt32>, at index: Int) -> Bool {
        var before = index - 1
        while before >= 0 && isCaseIgnorable(scalars[before]) { before -= 1 }
        guard before >= 0 && isCased(scalars[before]) else { return false }
        var after = index + 1
        while after < scalars.count && isCaseIgnorable(scalars[after]) { after += 1 }
        return after == scalars.count || !isCased(scalars[after])
    }

    /// `str.isspace()`: what `str.split()` splits on (NBSP, U+2009, U+3000, U+0085, \x1c–\x1f…,
    /// but not the zero-width space U+200B or U+FEFF).
    @inline(__always)
    static func isWhitespace(_ scalar: UInt32) -> Bool {
        if scalar < 0x80 {
            return scalar == 0x20 || (scalar >= 0x09 && scalar <= 0x0D) || (scalar >= 0x1C && scalar <= 0x1F)
        }
        switch scalar {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// `re`'s `\w` for str patterns: Unicode letters and numbers, and `_`.
    @inline(__always)
    static func isWord(_ scalar: UInt32) -> Bool {
        if scalar < 0x80 {
            return scalar &- 0x61 < 26 || scalar &- 0x41 < 26 || scalar &- 0x30 < 10 || scalar == 0x5F
        }
        return wordRanges.contains(scalar)
    }

    static func isCased(_ scalar: UInt32) -> Bool { casedRanges.contains(scalar) }

    static func isCaseIgnorable(_ scalar: UInt32) -> Bool { caseIgnorableRanges.contains(scalar) }
}

/// Sorted, disjoint inclusive code point ranges stored flat as `[lo, hi, lo, hi, …]`.
struct CodePointRanges: Sendable {
    let bounds: [UInt32]

    init(_ bounds: [UInt32]) {
        precondition(bounds.count % 2 == 0)
        self.bounds = bounds
    }

    func contains(_ scalar: UInt32) -> Bool {
        // The last range whose lower bound is <= scalar.
        var low = 0
        var high = bounds.count / 2
        while low < high {
            let mid = (low + high) >> 1
            if bounds[2 * mid] <= scalar { low = mid + 1 } else { high = mid }
        }
        return low > 0 && scalar <= bounds[2 * (low - 1) + 1]
    }
}
