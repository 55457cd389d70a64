import CTKDCore

/// An entry of tokenizer.json's `added_tokens`: text that is cut out of the input before the
/// model sees it and becomes one token.
public struct AddedToken: Sendable, Equatable {
    public var id: Int
    public var content: String
    /// Special tokens (BOS, EOS, control tokens) contribute no bytes and are skipped by
    /// `decode(skipSpecialTokens: true)`.
    public var special: Bool
    /// Matched only where it is not inside a word.
    public var singleWord: Bool
    /// The match takes the white space on its left / right with it.
    public var lstrip: Bool
    public var rstrip: Bool
    /// Matched in the normalized text (true) or in the input as given (false).
    public var normalized: Bool

    public init(id: Int, content: String, special: Bool, singleWord: Bool = false, lstrip: Bool = false,
                rstrip: Bool = false, normalized: Bool? = nil) {
        self.id = id
        self.content = content
        self.special = special
        self.singleWord = singleWord
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.normalized = normalized ?? !special
    }

    init(json: JSONValue, path: String) throws {
        let object = try JSONObjectReader(json, path: path)
        let special = try object.bool("special", default: false)
        self.init(id: try object.int("id"), content: try object.string("content"), special: special,
                  singleWord: try object.bool("single_word", default: false),
                  lstrip: try object.bool("lstrip", default: false), rstrip: try object.bool("rstrip", default: false),
                  normalized: try object.bool("normalized", default: !special))
    }

    var json: JSONValue {
        .object([("id", .number(Double(id))), ("content", .string(content)), ("single_word", .bool(singleWord)),
                 ("lstrip", .bool(lstrip)), ("rstrip", .bool(rstrip)), ("normalized", .bool(normalized)),
                 ("special", .bool(special))])
    }
}

/// Finds added tokens in text the way HF's `AddedVocabulary` does: leftmost-longest matches of
/// the token contents (an Aho-Corasick automaton there, a byte trie here), then the
/// `single_word`, `lstrip` and `rstrip` rules.
struct AddedTokenMatcher: Sendable {
    private struct Node: Sendable {
        var children: [UInt8: Int32] = [:]
        var token: Int32 = -1  // index into tokens
    }
    private var nodes: [Node] = [Node()]
    private var firstBytes = [Bool](repeating: false, count: 256)
    let tokens: [AddedToken]

    /// `patterns[i]` is the text to find for `tokens[i]` (its content, normalized for
    /// normalized tokens).
    init(tokens: [AddedToken], patterns: [[UInt8]]) {
        self.tokens = tokens
        for (index, pattern) in patterns.enumerated() where !pattern.isEmpty {
            var node = 0
            for b in pattern {
                if let child = nodes[node].children[b] {
                    node = Int(child)
                } else {
                    nodes.append(Node())
                    nodes[node].children[b] = Int32(nodes.count - 1)
                    node = nodes.count - 1
                }
            }
            if nodes[node].token < 0 { nodes[node].token = Int32(index) }
            firstBytes[Int(pattern[0])] = true
        }
    }

    var isEmpty: Bool { nodes.count == 1 }

    /// Pieces of `bytes[range]`: (token index or nil, byte range), in order, covering it.
    func split(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [(token: Int?, range: Range<Int>)] {
        if isEmpty || range.isEmpty { return [(nil, range)] }
        var pieces: [(token: Int?, range: Range<Int>)] = []
        var pieceStart = range.lowerBound
        var i = range.lowerBound
        while i < range.upperBound {
            guard firstBytes[Int(bytes[i])], let (index, matchEnd) = longestMatch(bytes, i, range.upperBound) else {
                i += 1
                continue
            }
            let token = tokens[index]
            var start = i, stop = matchEnd
            if token.singleWord {
                let startOK = start == range.lowerBound || !Self.isWordCharacter(before: start, bytes, range.lowerBound)
                let stopOK = stop == range.upperBound || !Self.isWordCharacter(at: stop, bytes, range.upperBound)
                if !startOK || !stopOK { i = matchEnd; continue }  // HF skips the whole match
            }
            if token.lstrip { start = max(Self.whitespaceStart(before: start, bytes, range.lowerBound), pieceStart) }
            if token.rstrip { stop = Self.whitespaceEnd(after: stop, bytes, range.upperBound) }
            if pieceStart < start { pieces.append((nil, pieceStart..<start)) }
            pieces.append((index, start..<stop))
            pieceStart = stop
            i = max(matchEnd, stop)
        }
        if pieceStart < range.upperBound { pieces.append((nil, pieceStart..<range.upperBound)) }
        return pieces
    }

    private func longestMatch(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (Int, Int)? {
        var node = 0, best: (Int, Int)? = nil
        var i = start
        while i < end, let child = nodes[node].children[bytes[i]] {
            node = Int(child)
            i += 1
            if nodes[node].token >= 0 { best = (Int(nodes[node].token), i) }
        }
        return best
    }

    static func isWordCharacter(_ scalar: UInt32) -> Bool {
        scalar == UInt32(UInt8(ascii: "_")) || {
            let c = UnicodeClasses.classify(scalar)
            return c == .letter || c == .number
        }()
    }

    static func isWordCharacter(at i: Int, _ bytes: UnsafeBufferPointer<UInt8>, _ end: Int) -> Bool {
        isWordCharacter(UTF8Scanner.decode(bytes.baseAddress!, i, end).scalar)
    }

    static func isWordCharacter(before i: Int, _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        var j = i - 1
        while j > start && bytes[j] & 0xC0 == 0x80 { j -= 1 }
        return isWordCharacter(UTF8Scanner.decode(bytes.baseAddress!, j, i).scalar)
    }

    /// Start of the white space that ends at `i`.
    static func whitespaceStart(before i: Int, _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        var position = i
        while position > start {
            var j = position - 1
            while j > start && bytes[j] & 0xC0 == 0x80 { j -= 1 }
            let (scalar, length) = UTF8Scanner.decode(bytes.baseAddress!, j, position)
            guard j + length == position, scalar != UTF8Scanner.invalid, UnicodeClasses.isWhitespace(scalar) else { break }
            position = j
        }
        return position
    }

    /// End of the white space that starts at `i`.
    static func whitespaceEnd(after i: Int, _ bytes: UnsafeBufferPointer<UInt8>, _ end: Int) -> Int {
        var position = i
        while position < end {
            let (scalar, length) = UTF8Scanner.decode(bytes.baseAddress!, position, end)
            guard scalar != UTF8Scanner.invalid, UnicodeClasses.isWhitespace(scalar) else { break }
            position += length
        }
        return position
    }
}
