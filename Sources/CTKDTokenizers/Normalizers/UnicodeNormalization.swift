import Foundation

/// NFC/NFD/NFKC/NFKD with byte alignments.
///
/// Text is cut into runs that normalisation cannot join across (a run ends before an ASCII
/// byte that is not followed by a combining mark); a run that the form leaves unchanged is
/// copied byte for byte. A changed run is redone one combining sequence (a starter and the
/// non-starters after it) at a time, and the scalars that come out are paired with the scalars
/// that went in by position, the last input scalar absorbing any extra output: "ﬁ" → "f","i"
/// both map to the ligature, "A"+U+030A → "Å" maps to the "A". This is how HF's alignments
/// behave for decomposition and composition.
enum UnicodeNormalization {
    static func apply(_ form: Normalizer.UnicodeForm, to text: NormalizedText) -> NormalizedText {
        var scalars: [(range: Range<Int>, scalar: UInt32)] = []
        text.forEachScalar { scalars.append(($0, $1)) }
        var out = NormalizedText(capacity: text.count)
        var index = 0
        while index < scalars.count {
            // ASCII followed by ASCII (or the end) is stable under every form.
            if scalars[index].scalar < 0x80 && (index + 1 == scalars.count || scalars[index + 1].scalar < 0x80) {
                out.appendKept(from: text, scalars[index].range)
                index += 1
                continue
            }
            if scalars[index].scalar == UTF8Scanner.invalid {
                out.appendKept(from: text, scalars[index].range)
                index += 1
                continue
            }
            // A run of valid scalars up to the next ASCII scalar followed by ASCII.
            var end = index + 1
            while end < scalars.count && scalars[end].scalar != UTF8Scanner.invalid
                && !(scalars[end].scalar < 0x80 && (end + 1 == scalars.count || scalars[end + 1].scalar < 0x80)) {
                end += 1
            }
            let runBytes = scalars[index].range.lowerBound..<scalars[end - 1].range.upperBound
            let run = String(decoding: text.bytes[runBytes], as: UTF8.self)
            let normalized = normalize(run, form)
            if normalized.utf8.elementsEqual(text.bytes[runBytes]) {
                out.appendKept(from: text, runBytes)
            } else {
                appendSequences(scalars[index..<end], text: text, form: form, into: &out)
            }
            index = end
        }
        return out
    }

    private static func appendSequences(_ scalars: ArraySlice<(range: Range<Int>, scalar: UInt32)>,
                                         text: NormalizedText, form: Normalizer.UnicodeForm,
                                         into out: inout NormalizedText) {
        var start = scalars.startIndex
        while start < scalars.endIndex {
            var end = start + 1
            while end < scalars.endIndex && Unicode.Scalar(scalars[end].scalar)!.properties.canonicalCombiningClass != .notReordered {
                end += 1
            }
            let inputs = scalars[start..<end]
            let byteRange = inputs.first!.range.lowerBound..<inputs.last!.range.upperBound
            let normalized = normalize(String(decoding: text.bytes[byteRange], as: UTF8.self), form)
            if normalized.utf8.elementsEqual(text.bytes[byteRange]) {
                out.appendKept(from: text, byteRange)
            } else {
                for (k, scalar) in normalized.unicodeScalars.enumerated() {
                    let source = inputs[inputs.startIndex + min(k, inputs.count - 1)]
                    out.appendReplacement(Array(String(scalar).utf8), for: text.inputSpan(source.range))
                }
            }
            start = end
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
