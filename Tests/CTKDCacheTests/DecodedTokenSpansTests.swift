import Testing
@testable import CTKDCache

@Suite struct DecodedTokenSpansTests {
    static func ends(_ decoded: [String], _ text: String, restoringSpaces: Bool = false) -> [Int]? {
        DecodedTokenSpans.tile(decoded, text: Array(text.utf8), restoringSpaces: restoringSpaces)
    }

    @Test func plainTokensTileTheText() {
        #expect(DecodedTokenSpansTests.ends(["Hel", "lo", " wor", "ld"], "Hello world") == [3, 5, 9, 11])
        #expect(DecodedTokenSpansTests.ends(["Hel", "lo"], "Hello world") == nil)
        #expect(DecodedTokenSpansTests.ends(["Hello", " world", "!"], "Hello world") == nil)
        #expect(DecodedTokenSpansTests.ends([], "") == [])
    }

    /// Byte-level BPE decodes a token holding part of a character to U+FFFD: "猫" (E7 8C AB)
    /// split as [20 E7][8C][AB], "で" (E3 81 A7) as [E3 81][A7]. Only one tiling follows the
    /// maximal-subpart rule (a strict prefix of a character ends its token; each lone continuation
    /// byte is its own U+FFFD).
    @Test func replacementCharactersStandForPartsOfCharacters() {
        let decoded = [" \u{FFFD}", "\u{FFFD}", "\u{FFFD}", "\u{FFFD}", "\u{FFFD}", "す"]
        #expect(DecodedTokenSpansTests.ends(decoded, " 猫です") == [2, 3, 4, 6, 7, 10])
        // Two lone continuation bytes in one token decode to two replacements.
        #expect(DecodedTokenSpansTests.ends(["\u{FFFD}", "\u{FFFD}\u{FFFD}"], "猫") == [1, 3])
        #expect(DecodedTokenSpansTests.ends(["\u{FFFD}", "\u{FFFD}"], "猫") == [2, 3])
        #expect(DecodedTokenSpansTests.ends(["\u{FFFD}"], "猫") == nil)   // a whole character decodes
        // A replacement character in the text itself matches literally.
        #expect(DecodedTokenSpansTests.ends(["a", "\u{FFFD}"], "a\u{FFFD}") == [1, 4])
    }

    @Test func rawVocabularyPiecesAreDecoded() {
        // Byte-level BPE pieces (GPT-2 alphabet: Ġ is the space, ĊĊ two newlines) and
        // SentencePiece pieces (▁ is the space, <0xE7> one byte).
        #expect(DecodedTokenSpansTests.ends(["ĠParis", "ĊĊ", "OK"], " Paris\n\nOK") == [6, 8, 10])
        #expect(DecodedTokenSpansTests.ends(["▁Paris", "▁is", "<0x21>"], " Paris is!") == [6, 9, 10])
        #expect(DecodedTokenSpansTests.ends(["<0xE7>", "<0x8C>", "<0xAB>"], "猫") == [1, 2, 3])
    }

    @Test func strippedLeadingSpacesAreRestoredOnlyWhenAsked() {
        // SentencePiece's decode([id]) of "▁Paris" is "Paris".
        #expect(DecodedTokenSpansTests.ends(["Paris", "is", "nice"], " Paris is nice", restoringSpaces: true) == [6, 9, 14])
        #expect(DecodedTokenSpansTests.ends(["Paris", "is", "nice"], " Paris is nice") == nil)
        // A replacement character never gets a space: " \u{FFFD}" would otherwise swallow " " + E7.
        #expect(DecodedTokenSpansTests.ends(["\u{FFFD}", "\u{FFFD}", "\u{FFFD}"], " 猫", restoringSpaces: true) == nil)
    }

    @Test func backtracksPastADeadEnd() {
        // Token 0 holds 1 or 2 bytes of "猫"; the shorter reading dies at "x" and is undone.
        #expect(DecodedTokenSpansTests.ends(["\u{FFFD}", "\u{FFFD}x"], "猫x") == [2, 4])
        #expect(DecodedTokenSpansTests.ends(["\u{FFFD}", "\u{FFFD}x"], "éx") == [1, 3])
    }
}
