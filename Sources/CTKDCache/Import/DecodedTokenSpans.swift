import CTKDCore

/// Byte spans of tokens in a text, recovered from each token's decoded string alone (what
/// vLLM reports as `decoded_token`), checked against the text.
///
/// A token's decoded string is not always its bytes. Depending on the vLLM version and the
/// tokenizer it is one of:
/// - `tokenizer.decode([id])`: the token's text, except that SentencePiece drops the leading
///   space (`"▁Paris"` decodes to `"Paris"`) and a token holding part of a multi-byte character
///   decodes to U+FFFD;
/// - the raw vocabulary piece (`convert_ids_to_tokens`): byte-level BPE's mapped bytes
///   (`"ĠParis"`), or SentencePiece's `"▁Paris"` and byte pieces `"<0xE2>"`.
/// Each token is matched against the text at the running offset in all of these readings; a
/// U+FFFD stands for the part of a character the token holds (`match`). The tokens must
/// tile the text exactly; a depth-first search with memoised failures finds the tiling.
///
///     let ends = DecodedTokenSpans.tile(["Hel", "lo", " wor", "ld"], text: Array("Hello world".utf8))
///     // [3, 5, 9, 11]
public enum DecodedTokenSpans {
    /// The end offset of each token when `decoded` tiles `text` exactly, else nil. With
    /// `restoringSpaces` a token may also stand for a space followed by its decoded text
    /// (SentencePiece's `decode` drops the space of `"▁Paris"`); pass it only when no decoded
    /// token of the sequence starts with a space, else it admits false tilings.
    public static func tile(_ decoded: [String], text: [UInt8], restoringSpaces: Bool = false) -> [Int]? {
        guard !decoded.isEmpty else { return text.isEmpty ? [] : nil }
        let candidates = decoded.map { readings(of: $0, restoringSpaces: restoringSpaces) }
        // Depth-first over (token, start offset): `starts[d]` is where token d starts, `frames[d]`
        // its candidate ends and the one being tried; `failed` memoises states with no tiling.
        var failed = Set<Int>()
        var starts = [0]
        var frames = [(ends: endOffsets(candidates[0], text: text, from: 0), cursor: 0)]
        func key(_ token: Int, _ offset: Int) -> Int { token * (text.count + 1) + offset }
        while let depth = frames.indices.last {
            let frame = frames[depth]
            guard frame.cursor < frame.ends.count else {
                failed.insert(key(depth, starts[depth]))
                frames.removeLast()
                starts.removeLast()
                if !frames.isEmpty { frames[frames.count - 1].cursor += 1 }
                continue
            }
            let end = frame.ends[frame.cursor]
            if depth == decoded.count - 1 {
                if end == text.count { return Array(starts.dropFirst()) + [end] }
                frames[depth].cursor += 1
            } else if failed.contains(key(depth + 1, end)) {
                frames[depth].cursor += 1
            } else {
                starts.append(end)
                frames.append((ends: endOffsets(candidates[depth + 1], text: text, from: end), cursor: 0))
            }
        }
        return nil
    }

    /// The byte strings a decoded token may stand for, most literal first (deduplicated).
    static func readings(of decoded: String, restoringSpaces: Bool) -> [[UInt8]] {
        var result = [Array(decoded.utf8)]
        if let bytes = ByteLevelAlphabet.decode(decoded) { result.append(bytes) }
        if let bytes = sentencePieceBytes(decoded) { result.append(bytes) }
        if restoringSpaces && !decoded.isEmpty && !decoded.contains("\u{FFFD}") { result.append([0x20] + Array(decoded.utf8)) }
        var unique = [[UInt8]]()
        for reading in result where !unique.contains(reading) { unique.append(reading) }
        return unique
    }

    /// SentencePiece pieces: `▁` is a space, `<0xNN>` one byte.
    static func sentencePieceBytes(_ piece: String) -> [UInt8]? {
        let scalars = Array(piece.unicodeScalars)
        if scalars.count == 6, piece.hasPrefix("<0x"), piece.hasSuffix(">"), let byte = UInt8(piece.dropFirst(3).dropLast(), radix: 16) {
            return [byte]
        }
        guard piece.contains("\u{2581}") else { return nil }
        return Array(piece.replacingOccurrences(of: "\u{2581}", with: " ").utf8)
    }

    static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// Every offset where one of `readings` can end when it starts at `start`, shortest first.
    static func endOffsets(_ readings: [[UInt8]], text: [UInt8], from start: Int) -> [Int] {
        var ends = [Int]()
        for reading in readings { match(reading, 0, text, start, &ends) }
        var seen = Set<Int>()
        return ends.filter { seen.insert($0).inserted }
    }

    /// Matches `reading[index...]` against `text[offset...]`. A U+FFFD that the text does not
    /// hold literally is what a decoder writes for each maximal ill-formed part of the token's
    /// bytes (Python's and Rust's lossy UTF-8 decoding): one lone continuation byte, or a strict
    /// prefix of a multi-byte character, which then ends the token.
    static func match(_ reading: [UInt8], _ index: Int, _ text: [UInt8], _ offset: Int, _ ends: inout [Int]) {
        var index = index, offset = offset
        while index < reading.count {
            if index + 3 <= reading.count && reading[index..<(index + 3)].elementsEqual(replacement) {
                if offset + 3 <= text.count && text[offset..<(offset + 3)].elementsEqual(replacement) {
                    match(reading, index + 3, text, offset + 3, &ends)
                }
                guard offset < text.count else { return }
                if (0x80...0xBF).contains(text[offset]) {
                    match(reading, index + 3, text, offset + 1, &ends)
                } else if index + 3 == reading.count {
                    let length = UTF8Validation.sequenceLength(text, at: offset)
                    if length >= 2 { for part in 1..<length { ends.append(offset + part) } }
                }
                return
            }
            guard offset < text.count && text[offset] == reading[index] else { return }
            index += 1
            offset += 1
        }
        ends.append(offset)
    }
}

/// GPT-2's byte-level alphabet: every byte as a printable character (bytes that are printable
/// Latin-1 stand for themselves, the other 68 are shifted to U+0100…), as in byte-level BPE
/// vocabularies.
enum ByteLevelAlphabet {
    static let byteOfScalar: [UInt32: UInt8] = {
        var table = [UInt32: UInt8]()
        var shifted: UInt32 = 256
        for byte in 0...255 {
            let printable = (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
            if printable {
                table[UInt32(byte)] = UInt8(byte)
            } else {
                table[shifted] = UInt8(byte)
                shifted += 1
            }
        }
        return table
    }()

    /// The bytes of a byte-level piece, or nil when `piece` uses characters outside the alphabet
    /// or reads the same as its UTF-8 (then it is not a mapped piece).
    static func decode(_ piece: String) -> [UInt8]? {
        var bytes = [UInt8]()
        for scalar in piece.unicodeScalars {
            guard let byte = byteOfScalar[scalar.value] else { return nil }
            bytes.append(byte)
        }
        return bytes == Array(piece.utf8) ? nil : bytes
    }
}
