import Foundation

/// NFC/NFD/NFKC/NFKD with byte alignments, matching HF `tokenizers`.
///
/// Text is cut into runs that normalisation cannot join across (a run ends before an ASCII
/// scalar that is not followed by a non-ASCII one); a run that the form leaves unchanged is
/// copied byte for byte. A changed run is normalised the way the Unicode algorithm is written,
/// carrying for every scalar the input scalar it came from: decompose each scalar, put marks
/// in canonical order, compose (NFC/NFKC) where a composite exists — a composite keeps the
/// origin of its starter. So "ﬁ" → "f","i" both map to the ligature and "A"+U+030A → "Å" maps
/// to the "A", as HF's alignments do.
///
/// HF's normalization tables are Unicode 12; Foundation's are newer. A scalar that Foundation
/// would change on its own but HF leaves alone (it was added after Unicode 12) is kept as is.
enum UnicodeNormalization {
    static func apply(_ form: Normalizer.UnicodeForm, to text: NormalizedText) -> NormalizedText {
        var scalars: [(range: Range<Int>, scalar: UInt32)] = []
        text.forEachScalar { scalars.append(($0, $1)) }
        func isStableASCII(_ k: Int) -> Bool {
            scalars[k].scalar < 0x80 && (k + 1 == scalars.count || scalars[k + 1].scalar < 0x80)
        }
        var out = NormalizedText(capacity: text.count)
        var index = 0
        while index < scalars.count {
            if isStableASCII(index) || scalars[index].scalar == UTF8Scanner.invalid {
                out.appendKept(from: text, scalars[index].range)
                index += 1
                continue
            }
            var end = index + 1
            while end < scalars.count && scalars[end].scalar != UTF8Scanner.invalid && !isStableASCII(end) { end += 1 }
            let runBytes = scalars[index].range.lowerBound..<scalars[end - 1].range.upperBound
            let run = String(decoding: text.bytes[runBytes], as: UTF8.self)
            if normalize(run, form).utf8.elementsEqual(text.bytes[runBytes]) {
                out.appendKept(from: text, runBytes)
            } else {
                appendNormalized(scalars[index..<end], text: text, form: form, into: &out)
            }
            index = end
        }
        return out
    }

    private struct Traced {
        var scalar: Unicode.Scalar
        var origin: Int      // index into the run's scalars
        var combiningClass: UInt8
        /// How many input scalars this output scalar stands for in HF's positional alignment:
        /// 1 for the first piece of a decomposition, 0 for the others, plus what it composed.
        var consumes: Int
    }

    private static func appendNormalized(_ run: ArraySlice<(range: Range<Int>, scalar: UInt32)>, text: NormalizedText,
                                         form: Normalizer.UnicodeForm, into out: inout NormalizedText) {
        let compatibility = form == .nfkc || form == .nfkd
        let composes = form == .nfc || form == .nfkc
        let inputs = Array(run)
        // 1. Decompose each scalar, remembering where each piece came from.
        var traced: [Traced] = []
        for (origin, input) in inputs.enumerated() {
            let scalar = Unicode.Scalar(input.scalar)!
            let single = String(scalar)
            let decomposed = compatibility ? single.decomposedStringWithCompatibilityMapping
                                           : single.decomposedStringWithCanonicalMapping
            // Swift's String == is canonical equivalence: compare scalars.
            let keep = decomposed.unicodeScalars.elementsEqual(single.unicodeScalars)
                || isNewerThanHuggingFace(scalar, form: form)
            for (k, piece) in (keep ? [scalar] : Array(decomposed.unicodeScalars)).enumerated() {
                traced.append(Traced(scalar: piece, origin: origin,
                                     combiningClass: piece.properties.canonicalCombiningClass.rawValue,
                                     consumes: k == 0 ? 1 : 0))
            }
        }
        // 2. Canonical ordering: stable sort of each run of marks by combining class.
        var i = 0
        while i < traced.count {
            if traced[i].combiningClass == 0 { i += 1; continue }
            var j = i
            while j < traced.count && traced[j].combiningClass != 0 { j += 1 }
            // Sorting by (class, position) keeps marks of equal class in their order.
            let sorted = traced[i..<j].enumerated().sorted { ($0.element.combiningClass, $0.offset) < ($1.element.combiningClass, $1.offset) }
            traced.replaceSubrange(i..<j, with: sorted.map(\.element))
            i = j
        }
        // 3. Canonical composition.
        var result: [Traced] = []
        if composes {
            var starter: Int? = nil
            var lastClass: UInt8 = 0
            for piece in traced {
                if let s = starter {
                    let adjacent = result.count - 1 == s
                    let blocked = !adjacent && (lastClass == 0 || lastClass >= piece.combiningClass)
                    if !blocked, let composite = primaryComposite(result[s].scalar, piece.scalar) {
                        result[s].scalar = composite
                        result[s].combiningClass = composite.properties.canonicalCombiningClass.rawValue
                        result[s].consumes += piece.consumes
                        continue
                    }
                }
                if piece.combiningClass == 0 { starter = result.count; lastClass = 0 } else { lastClass = piece.combiningClass }
                result.append(piece)
            }
        } else {
            result = traced
        }
        // HF aligns output to input positionally: each output scalar takes the span of the next
        // unconsumed input scalar (and swallows as many as it composed); one that consumes
        // nothing (the tail of a decomposition) shares the span before it.
        var cursor = 0
        var previousSpan = text.inputSpan(inputs[0].range)
        for piece in result {
            if piece.consumes == 0 {
                out.appendReplacement(Array(String(piece.scalar).utf8), for: previousSpan)
                continue
            }
            let input = inputs[min(cursor, inputs.count - 1)]
            cursor += piece.consumes
            if piece.consumes == 1 && input.scalar == piece.scalar.value {
                out.appendKept(from: text, input.range)
                previousSpan = text.inputSpan(input.range)
            } else {
                // A composite's span is its first input's, as in HF (the marks it absorbed are dropped).
                previousSpan = text.inputSpan(input.range)
                out.appendReplacement(Array(String(piece.scalar).utf8), for: previousSpan)
            }
        }
    }

    /// The composite of two scalars, if canonical composition has one.
    private static func primaryComposite(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> Unicode.Scalar? {
        // Hangul by arithmetic (Unicode §3.12); Foundation does not compose an LV syllable with a T jamo.
        let (x, y) = (a.value, b.value)
        if (0x1100..<0x1113).contains(x) && (0x1161..<0x1176).contains(y) {
            return Unicode.Scalar(0xAC00 + ((x - 0x1100) * 21 + (y - 0x1161)) * 28)
        }
        if (0xAC00..<0xD7A4).contains(x) && (x - 0xAC00) % 28 == 0 && (0x11A8..<0x11C3).contains(y) {
            return Unicode.Scalar(x + (y - 0x11A7))
        }
        var pair = String.UnicodeScalarView()
        pair.append(a)
        pair.append(b)
        let composed = String(pair).precomposedStringWithCanonicalMapping.unicodeScalars
        guard composed.count == 1, let scalar = composed.first, scalar != a else { return nil }
        return scalar
    }

    /// A scalar that Foundation's newer tables change on its own but HF's do not.
    static func isNewerThanHuggingFace(_ scalar: Unicode.Scalar, form: Normalizer.UnicodeForm) -> Bool {
        let single = String(scalar)
        switch form {
        case .nfkc, .nfkd:
            return !single.precomposedStringWithCompatibilityMapping.unicodeScalars.elementsEqual(single.unicodeScalars)
                && !UnicodeClasses.contains(UnicodeClasses.nfkcChangedRanges, scalar.value)
        case .nfc, .nfd:
            return !single.precomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual(single.unicodeScalars)
                && !UnicodeClasses.contains(UnicodeClasses.nfcChangedRanges, scalar.value)
        }
    }

    static func normalize(_ s: String, _ form: Normalizer.UnicodeForm) -> String {
        switch form {
        case .nfc: return s.precomposedStringWithCanonicalMapping
        case .nfd: return s.decomposedStringWithCanonicalMapping
        case .nfkc: return s.precomposedStringWithCompatibilityMapping
        case .nfkd: return s.decomposedStringWithCompatibilityMapping
        }
    }
}

extension UnicodeClasses {
    /// Binary search in sorted, disjoint ranges.
    static func contains(_ ranges: [ClosedRange<UInt32>], _ value: UInt32) -> Bool {
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].upperBound < value { lo = mid + 1 } else { hi = mid }
        }
        return lo < ranges.count && ranges[lo].contains(value)
    }
}
