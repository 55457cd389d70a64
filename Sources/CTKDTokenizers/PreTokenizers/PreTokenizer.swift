import CTKDCore

/// Text cut into words: the normalized text and the byte ranges of its words, in order.
public struct PreTokenizedText: Sendable {
    public var text: NormalizedText
    public var words: [Range<Int>]
}

/// How a `Split` keeps the text that its pattern matches (HF `SplitDelimiterBehavior`).
public enum SplitBehavior: String, Sendable {
    case removed = "Removed", isolated = "Isolated", mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext", contiguous = "Contiguous"

    /// HF's fold of alternating (range, isMatch) pieces into the pieces to keep.
    func apply(_ pieces: [(range: Range<Int>, isMatch: Bool)], into words: inout [Range<Int>]) {
        var out: [Range<Int>] = []
        switch self {
        case .isolated: out = pieces.map(\.range)
        case .removed: out = pieces.filter { !$0.isMatch }.map(\.range)
        case .contiguous, .mergedWithPrevious:
            var previousMatch = false
            for piece in pieces {
                let join = self == .contiguous ? piece.isMatch == previousMatch : (piece.isMatch && !previousMatch)
                if join, let last = out.last { out[out.count - 1] = last.lowerBound..<piece.range.upperBound }
                else { out.append(piece.range) }
                previousMatch = piece.isMatch
            }
        case .mergedWithNext:
            var previousMatch = false
            for piece in pieces.reversed() {
                if piece.isMatch && !previousMatch, let last = out.last {
                    out[out.count - 1] = piece.range.lowerBound..<last.upperBound
                } else {
                    out.append(piece.range)
                }
                previousMatch = piece.isMatch
            }
            out.reverse()
        }
        words.append(contentsOf: out.lazy.filter { !$0.isEmpty })
    }
}

/// The `pre_tokenizer` of a tokenizer.json: splits normalized text into words, which the model
/// then tokenizes one by one (and caches).
///
/// Supported `"type"`s: ByteLevel, Metaspace, Split (string patterns and the GPT-2, Llama-3,
/// cl100k and Qwen2 patterns), Digits, WhitespaceSplit, Sequence.
public indirect enum PreTokenizer: Sendable {
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case metaspace(replacement: [UInt8], prependScheme: PrependScheme, split: Bool)
    case split(SplitPattern, behavior: SplitBehavior, invert: Bool)
    case digits(individual: Bool)
    case whitespaceSplit
    case sequence([PreTokenizer])

    public enum PrependScheme: String, Sendable { case always, first, never }

    public enum SplitPattern: Sendable, Equatable {
        case string([UInt8])
        case known(KnownSplitPattern)
    }

    /// Whether the model sees byte-level symbols (GPT-2's byte-to-character alphabet).
    public var isByteLevel: Bool {
        switch self {
        case .byteLevel: return true
        case .sequence(let items): return items.last?.isByteLevel ?? false
        default: return false
        }
    }

    /// Splits every word of `input` further (and rewrites it where the pre-tokenizer does).
    public func apply(_ input: PreTokenizedText) -> PreTokenizedText {
        switch self {
        case .sequence(let items):
            return items.reduce(input) { $1.apply($0) }
        case .byteLevel(let addPrefixSpace, let useRegex):
            var current = input
            if addPrefixSpace {
                current = current.rewritingWords { word, _ in
                    word.bytes.first == 0x20 ? word : word.prepending([0x20])
                }
            }
            return useRegex ? current.splittingWords(.known(.gpt2), behavior: .isolated, invert: false) : current
        case .metaspace(let replacement, let scheme, let split):
            let rewritten = input.rewritingWords { word, _ in
                var w = word.replacing([0x20], with: replacement)
                let startsWithReplacement = w.bytes.starts(with: replacement)
                switch scheme {
                case .always: if !startsWithReplacement { w = w.prepending(replacement) }
                case .first:
                    if !startsWithReplacement && !word.isEmpty && word.spanStarts[0] == 0 {
                        w = w.prepending(replacement)
                    }
                case .never: break
                }
                return w
            }
            return split ? rewritten.splittingWords(.string(replacement), behavior: .mergedWithNext, invert: false)
                         : rewritten
        case .split(let pattern, let behavior, let invert):
            return input.splittingWords(pattern, behavior: behavior, invert: invert)
        case .digits(let individual):
            return input.splittingWords(byClass: { UnicodeClasses.isNumeric($0) },
                                        behavior: individual ? .isolated : .contiguous)
        case .whitespaceSplit:
            return input.splittingWords(byClass: { UnicodeClasses.isWhitespace($0) }, behavior: .removed)
        }
    }

    /// Parses a `"pre_tokenizer"` object.
    public init(json: JSONValue, path: String) throws {
        let object = try JSONObjectReader(json, path: path)
        let type = try object.string("type")
        switch type {
        case "ByteLevel":
            self = .byteLevel(addPrefixSpace: try object.bool("add_prefix_space", default: true),
                              useRegex: try object.bool("use_regex", default: true))
        case "Metaspace":
            let replacement = try object.string("replacement")
            var scheme = PrependScheme.always
            if let name = try object.optionalString("prepend_scheme") {
                guard let parsed = PrependScheme(rawValue: name) else {
                    throw CTKDError("unknown prepend_scheme \"\(name)\"", field: object.fieldPath("prepend_scheme"))
                }
                scheme = parsed
            } else if object.has("add_prefix_space") {
                scheme = try object.bool("add_prefix_space", default: true) ? .always : .never
            }
            self = .metaspace(replacement: Array(replacement.utf8), prependScheme: scheme,
                              split: try object.bool("split", default: true))
        case "Split":
            let pattern = try object.object("pattern")
            let splitPattern: SplitPattern
            if let string = try pattern.optionalString("String") {
                splitPattern = .string(Array(string.utf8))
            } else {
                let regex = try pattern.string("Regex")
                guard let known = KnownSplitPattern(source: regex) else {
                    throw CTKDError("unsupported split regex (ctkd implements the GPT-2, Llama-3, cl100k and Qwen2 patterns): \(regex)",
                                    field: pattern.fieldPath("Regex"))
                }
                splitPattern = .known(known)
            }
            let behaviorName = try object.string("behavior")
            guard let behavior = SplitBehavior(rawValue: behaviorName) else {
                throw CTKDError("unknown behavior \"\(behaviorName)\"", field: object.fieldPath("behavior"))
            }
            self = .split(splitPattern, behavior: behavior, invert: try object.bool("invert", default: false))
        case "Digits":
            self = .digits(individual: try object.bool("individual_digits", default: false))
        case "WhitespaceSplit":
            self = .whitespaceSplit
        case "Sequence":
            let items = try object.array("pretokenizers")
            self = .sequence(try items.enumerated().map {
                try PreTokenizer(json: $1, path: object.fieldPath("pretokenizers") + "[\($0)]")
            })
        default:
            throw CTKDError("unsupported pre-tokenizer type \"\(type)\"", field: object.fieldPath("type"))
        }
        if case .sequence(let items) = self {
            for (index, item) in items.enumerated().dropLast() where item.isByteLevel {
                throw CTKDError("a ByteLevel pre-tokenizer must come last in a Sequence",
                                field: object.fieldPath("pretokenizers") + "[\(index)]")
            }
        }
    }
}

extension PreTokenizedText {
    /// Rewrites each word with `transform` (which gets the word and its index) into a new text.
    func rewritingWords(_ transform: (NormalizedText, Int) -> NormalizedText) -> PreTokenizedText {
        var out = NormalizedText(capacity: text.count + words.count)
        var newWords: [Range<Int>] = []
        newWords.reserveCapacity(words.count)
        for (index, word) in words.enumerated() {
            let rewritten = transform(text.slice(word), index)
            let start = out.count
            out.appendKept(from: rewritten, 0..<rewritten.count)
            if out.count > start { newWords.append(start..<out.count) }
        }
        return PreTokenizedText(text: out, words: newWords)
    }

    func splittingWords(_ pattern: PreTokenizer.SplitPattern, behavior: SplitBehavior, invert: Bool) -> PreTokenizedText {
        var newWords: [Range<Int>] = []
        newWords.reserveCapacity(words.count * 2)
        text.bytes.withUnsafeBufferPointer { buffer in
            guard let p = buffer.baseAddress else { return }
            for word in words {
                if case .known(let known) = pattern, behavior == .isolated {
                    known.forEachMatch(p, word.lowerBound, word.upperBound) { newWords.append($0) }
                    continue
                }
                var pieces: [(range: Range<Int>, isMatch: Bool)] = []
                var last = word.lowerBound
                func addMatch(_ match: Range<Int>) {
                    if last < match.lowerBound { pieces.append((last..<match.lowerBound, invert)) }
                    pieces.append((match, !invert))
                    last = match.upperBound
                }
                switch pattern {
                case .known(let known): known.forEachMatch(p, word.lowerBound, word.upperBound, addMatch)
                case .string(let needle):
                    var i = word.lowerBound
                    while !needle.isEmpty && i + needle.count <= word.upperBound {
                        if buffer[i..<(i + needle.count)].elementsEqual(needle) {
                            addMatch(i..<(i + needle.count))
                            i += needle.count
                        } else {
                            i += 1
                        }
                    }
                }
                if last < word.upperBound { pieces.append((last..<word.upperBound, invert)) }
                behavior.apply(pieces, into: &newWords)
            }
        }
        return PreTokenizedText(text: text, words: newWords)
    }

    /// Splits on scalars for which `isDelimiter` holds (HF's `split(char predicate, behavior)`).
    func splittingWords(byClass isDelimiter: (UInt32) -> Bool, behavior: SplitBehavior) -> PreTokenizedText {
        var newWords: [Range<Int>] = []
        text.bytes.withUnsafeBufferPointer { buffer in
            guard let p = buffer.baseAddress else { return }
            for word in words {
                var pieces: [(range: Range<Int>, isMatch: Bool)] = []
                var last = word.lowerBound
                var i = word.lowerBound
                while i < word.upperBound {
                    let (scalar, length) = UTF8Scanner.decode(p, i, word.upperBound)
                    if scalar != UTF8Scanner.invalid && isDelimiter(scalar) {
                        if last < i { pieces.append((last..<i, false)) }
                        pieces.append((i..<(i + length), true))
                        last = i + length
                    }
                    i += length
                }
                if last < word.upperBound { pieces.append((last..<word.upperBound, false)) }
                behavior.apply(pieces, into: &newWords)
            }
        }
        return PreTokenizedText(text: text, words: newWords)
    }
}
