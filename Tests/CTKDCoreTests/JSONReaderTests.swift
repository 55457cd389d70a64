import Testing
import CTKDTestSupport
@testable import CTKDCore

@Suite struct JSONReaderTests {
    /// Reads `text` with `body`, then checks that nothing but white space is left.
    func read<T>(_ text: some Collection<UInt8>, reportsLines: Bool = false, _ body: (inout JSONReader) throws -> T) throws -> T {
        try Array(text).withUnsafeBufferPointer { buffer in
            var reader = JSONReader(buffer, reportsLines: reportsLines)
            let value = try body(&reader)
            try reader.expectEnd()
            return value
        }
    }

    @Test func stringsDecodeEscapesAndSurrogatePairs() throws {
        let text = #""a\"b\\c\/d\b\f\n\r\t\u00e9\u20AC\ud83d\ude00 é😀""#
        let value = try read(Array(text.utf8)) { try $0.readString() }
        #expect(value == "a\"b\\c/d\u{08}\u{0C}\n\r\té€😀 é😀")
        #expect(try read(Array(#""\ufeffx""#.utf8)) { try $0.readString() } == "\u{FEFF}x")
    }

    @Test func badStringsAreErrors() throws {
        for (text, message) in [(#""\ud800""#, "lone surrogate"), (#""\udc00x""#, "lone surrogate"),
                                ("\"a\u{01}b\"", "control character"), (#""abc"#, "unterminated string"),
                                (#""\x""#, "invalid escape"), (#""\u12G4""#, "invalid \\u escape")] {
            let error = #expect(throws: CTKDError.self) { try read(Array(text.utf8)) { try $0.readString() } }
            #expect(error?.message.contains(message) == true, "\(text): \(String(describing: error))")
        }
        let invalid = #expect(throws: CTKDError.self) { try read([0x22, 0x61, 0xC3, 0x28, 0x22]) { try $0.readString() } }
        #expect(invalid?.message == "invalid UTF-8 at byte 2 of the line")
        let overlong = #expect(throws: CTKDError.self) { try read([0x22, 0xE0, 0x80, 0x80, 0x22]) { try $0.readString() } }
        #expect(overlong?.message == "invalid UTF-8 at byte 1 of the line")
    }

    @Test func numbers() throws {
        for (text, value) in [("0", 0.0), ("-0.5", -0.5), ("1e3", 1000), ("2.5E-3", 0.0025), ("0.1", 0.1),
                              ("0.6666666666666666", 0.6666666666666666), ("123456789012", 123456789012)] {
            #expect(try read(Array(text.utf8)) { try $0.readNumber() } == value, "\(text)")
        }
        #expect(try read(Array("NaN".utf8)) { try $0.readNumber() }.isNaN)
        #expect(try read(Array("-Infinity".utf8)) { try $0.readNumber() } == -.infinity)
        for text in ["01", "1.", "-", "1e", ".5"] {
            #expect(throws: CTKDError.self, "\(text)") { try read(Array(text.utf8)) { try $0.readNumber() } }
        }
    }

    @Test func structureAndFieldPaths() throws {
        let text = #"{"a": [1, {"b": "x", "skip": [null, true, false, {"deep": [1.5e2]}]}], "c": "y"}"#
        var seen = [String]()
        try read(Array(text.utf8)) { reader in
            try reader.forEachMember { reader, key in
                switch key {
                case "a":
                    try reader.forEachElement { reader, index in
                        if index == 0 { seen.append("\(try reader.readNumber())"); return }
                        try reader.forEachMember { reader, key in
                            if key == "b" { seen.append(try reader.readString()) } else { try reader.skipValue() }
                        }
                    }
                default: seen.append(try reader.readString())
                }
            }
        }
        #expect(seen == ["1.0", "x", "y"])

        let error = #expect(throws: CTKDError.self) {
            try read(Array(#"{"a": [{"b": 3}]}"#.utf8)) { reader in
                try reader.forEachMember { reader, _ in
                    try reader.forEachElement { reader, _ in
                        try reader.forEachMember { reader, _ in _ = try reader.readString() }
                    }
                }
            }
        }
        #expect(error?.description == "field \"a[0].b\": expected a string, found a number")
    }

    @Test func wholeFileErrorsCarryLineAndColumn() throws {
        let text = "{\n  \"a\": 1,\n  \"b\" 2\n}\n"
        let error = #expect(throws: CTKDError.self) {
            try read(Array(text.utf8), reportsLines: true) { reader in try reader.forEachMember { reader, _ in try reader.skipValue() } }
        }
        #expect(error?.line == 3)
        #expect(error?.message == "malformed JSON: expected ':' after a key at column 7")
        let trailing = #expect(throws: CTKDError.self) { try read(Array("[1] [2]".utf8)) { try $0.skipValue() } }
        #expect(trailing?.message == "malformed JSON: unexpected data after the JSON value at byte 4 of the line")
    }

    @Test func quotingRoundTrips() throws {
        let text = "a\"b\\c\n\t\u{01}é😀"
        let quoted = JSONText.quote(text)
        #expect(quoted == "\"a\\\"b\\\\c\\n\\t\\u0001é😀\"")
        #expect(try read(Array(quoted.utf8)) { try $0.readString() } == text)
        #expect(JSONText.number(0.1) == "0.1" && JSONText.number(1) == "1.0" && JSONText.number(1e-7) == "1e-07")
    }
}
