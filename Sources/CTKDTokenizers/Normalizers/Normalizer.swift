import CTKDCore
import Foundation

/// The `normalizer` of a tokenizer.json: rewrites the text before it is split into words.
///
/// Supported `"type"`s: NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace (string patterns),
/// Strip, Sequence. Anything else is a `CTKDError` naming the field.
public indirect enum Normalizer: Sendable {
    case unicode(UnicodeForm)
    case lowercase
    case prepend([UInt8])
    case replace(pattern: [UInt8], content: [UInt8])
    case strip(left: Bool, right: Bool)
    case sequence([Normalizer])

    public enum UnicodeForm: String, Sendable { case nfc = "NFC", nfd = "NFD", nfkc = "NFKC", nfkd = "NFKD" }

    public func apply(_ text: NormalizedText) -> NormalizedText {
        switch self {
        case .unicode(let form): return UnicodeNormalization.apply(form, to: text)
        case .lowercase:
            return text.mappingScalars { scalar in
                if scalar < 0x80 {
                    return (0x41...0x5A).contains(scalar) ? [UInt8(scalar + 0x20)] : nil
                }
                let original = String(Unicode.Scalar(scalar)!)
                let lowered = original.lowercased()
                return lowered.utf8.elementsEqual(original.utf8) ? nil : Array(lowered.utf8)
            }
        case .prepend(let prefix): return text.prepending(prefix)
        case .replace(let pattern, let content): return text.replacing(pattern, with: content)
        case .strip(let left, let right):
            var scalars: [(Range<Int>, UInt32)] = []
            text.forEachScalar { scalars.append(($0, $1)) }
            var lo = 0, hi = scalars.count
            if left { while lo < hi && UnicodeClasses.isWhitespace(scalars[lo].1) { lo += 1 } }
            if right { while hi > lo && UnicodeClasses.isWhitespace(scalars[hi - 1].1) { hi -= 1 } }
            if lo == 0 && hi == scalars.count { return text }
            let start = lo < scalars.count ? scalars[lo].0.lowerBound : text.count
            let end = hi > 0 && hi > lo ? scalars[hi - 1].0.upperBound : start
            return text.slice(start..<end)
        case .sequence(let normalizers):
            return normalizers.reduce(text) { $1.apply($0) }
        }
    }

    /// Parses a `"normalizer"` object; `path` names it in errors.
    public init(json: JSONValue, path: String) throws {
        let object = try JSONObjectReader(json, path: path)
        let type = try object.string("type")
        switch type {
        case "NFC", "NFD", "NFKC", "NFKD": self = .unicode(UnicodeForm(rawValue: type)!)
        case "Lowercase": self = .lowercase
        case "Prepend": self = .prepend(Array(try object.string("prepend").utf8))
        case "Replace":
            let pattern = try object.object("pattern")
            guard let string = try pattern.optionalString("String") else {
                throw CTKDError("only string patterns are supported, not regular expressions",
                                field: pattern.path)
            }
            self = .replace(pattern: Array(string.utf8), content: Array(try object.string("content").utf8))
        case "Strip":
            self = .strip(left: try object.bool("strip_left", default: true),
                          right: try object.bool("strip_right", default: true))
        case "Sequence":
            let items = try object.array("normalizers")
            self = .sequence(try items.enumerated().map {
                try Normalizer(json: $1, path: object.fieldPath("normalizers") + "[\($0)]")
            })
        default:
            throw CTKDError("unsupported normalizer type \"\(type)\"", field: object.fieldPath("type"))
        }
    }
}
