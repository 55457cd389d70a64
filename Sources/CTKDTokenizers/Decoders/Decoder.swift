import CTKDCore

/// The `decoder` of a tokenizer.json: turns the token strings of ids back into text.
///
/// Works on bytes so that `decodeBytes` is exact even where the text is not valid UTF-8; the
/// only step that differs between exact bytes and HF's text is ByteFallback on an invalid byte
/// group, which HF turns into one U+FFFD per byte.
///
/// Supported `"type"`s: ByteLevel, Metaspace, Replace (string patterns), ByteFallback, Fuse,
/// Strip, Sequence.
public indirect enum Decoder: Sendable {
    case byteLevel
    case metaspace(replacement: [UInt8], prependScheme: PreTokenizer.PrependScheme)
    case replace(pattern: [UInt8], content: [UInt8])
    case byteFallback
    case fuse
    case strip(content: [UInt8], start: Int, stop: Int)
    case sequence([Decoder])

    /// Applies the decoder chain to token strings (as UTF-8 bytes).
    func decodeChain(_ tokens: [[UInt8]], exactBytes: Bool) -> [[UInt8]] {
        switch self {
        case .sequence(let decoders):
            return decoders.reduce(tokens) { $1.decodeChain($0, exactBytes: exactBytes) }
        case .byteLevel:
            // HF maps each token's characters back to bytes (a token with a character outside
            // the alphabet stays as its UTF-8) and joins everything into one string.
            var out: [UInt8] = []
            for token in tokens {
                let text = String(decoding: token, as: UTF8.self)
                out += ByteLevelAlphabet.decode(text) ?? token
            }
            return [out]
        case .metaspace(let replacement, let scheme):
            return tokens.enumerated().map { index, token in
                // HF drops every replacement character of the first token (not only a leading one).
                token.replacingAll(replacement, with: index == 0 && scheme != .never ? [] : [0x20])
            }
        case .replace(let pattern, let content):
            return tokens.map { $0.replacingAll(pattern, with: content) }
        case .byteFallback:
            var out: [[UInt8]] = []
            var pending: [UInt8] = []
            func flush() {
                guard !pending.isEmpty else { return }
                if exactBytes || String(validating: pending, as: UTF8.self) != nil {
                    out.append(pending)
                } else {
                    out += Array(repeating: Array("\u{FFFD}".utf8), count: pending.count)
                }
                pending.removeAll()
            }
            for token in tokens {
                if let byte = Decoder.fallbackByte(token) { pending.append(byte); continue }
                flush()
                out.append(token)
            }
            flush()
            return out
        case .fuse:
            return [tokens.flatMap { $0 }]
        case .strip(let content, let start, let stop):
            return tokens.map { token in
                var bytes = token[...]
                for _ in 0..<start where bytes.starts(with: content) { bytes = bytes.dropFirst(content.count) }
                for _ in 0..<stop where bytes.reversed().starts(with: content.reversed()) { bytes = bytes.dropLast(content.count) }
                return Array(bytes)
            }
        }
    }

    /// The byte of a `<0xXX>` token.
    static func fallbackByte(_ token: [UInt8]) -> UInt8? {
        guard token.count == 6, token[0] == UInt8(ascii: "<"), token[1] == UInt8(ascii: "0"),
              token[2] == UInt8(ascii: "x"), token[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: token[3..<5], as: UTF8.self), radix: 16)
    }

    public init(json: JSONValue, path: String) throws {
        let object = try JSONObjectReader(json, path: path)
        let type = try object.string("type")
        switch type {
        case "ByteLevel": self = .byteLevel
        case "Metaspace":
            var scheme = PreTokenizer.PrependScheme.always
            if let name = try object.optionalString("prepend_scheme") {
                guard let parsed = PreTokenizer.PrependScheme(rawValue: name) else {
                    throw CTKDError("unknown prepend_scheme \"\(name)\"", field: object.fieldPath("prepend_scheme"))
                }
                scheme = parsed
            } else if object.has("add_prefix_space") {
                scheme = try object.bool("add_prefix_space", default: true) ? .always : .never
            }
            self = .metaspace(replacement: Array(try object.string("replacement").utf8), prependScheme: scheme)
        case "Replace":
            let pattern = try object.object("pattern")
            guard let string = try pattern.optionalString("String") else {
                throw CTKDError("only string patterns are supported", field: pattern.path)
            }
            self = .replace(pattern: Array(string.utf8), content: Array(try object.string("content").utf8))
        case "ByteFallback": self = .byteFallback
        case "Fuse": self = .fuse
        case "Strip":
            self = .strip(content: Array(try object.string("content").utf8), start: try object.int("start", default: 0),
                          stop: try object.int("stop", default: 0))
        case "Sequence":
            self = .sequence(try object.array("decoders").enumerated().map {
                try Decoder(json: $1, path: object.fieldPath("decoders") + "[\($0)]")
            })
        default:
            throw CTKDError("unsupported decoder type \"\(type)\"", field: object.fieldPath("type"))
        }
    }
}

extension Array where Element == UInt8 {
    /// Every non-overlapping occurrence of `pattern` replaced by `content`.
    func replacingAll(_ pattern: [UInt8], with content: [UInt8]) -> [UInt8] {
        guard !pattern.isEmpty, count >= pattern.count else { return self }
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var i = 0
        while i < count {
            if i + pattern.count <= count && self[i] == pattern[0] && self[i..<(i + pattern.count)].elementsEqual(pattern) {
                out += content
                i += pattern.count
            } else {
                out.append(self[i])
                i += 1
            }
        }
        return out
    }
}
