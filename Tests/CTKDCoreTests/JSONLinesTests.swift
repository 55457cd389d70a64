import Testing
import CTKDTestSupport
@testable import CTKDCore

@Suite struct JSONLinesTests {
    struct Pair: Decodable { let id: String; let values: [Int] }

    func write(_ text: [UInt8]) throws -> String {
        let path = try TestSupport.temporaryDirectory() + "/input.jsonl"
        try AtomicFile.write(text, to: path)
        return path
    }

    @Test func decodesLinesAndSkipsBlankOnes() throws {
        let path = try write(Array("{\"id\":\"a\",\"values\":[1]}\n\n  \n{\"id\":\"b\",\"values\":[]}\r\n".utf8))
        let records = try JSONLines.decode(Pair.self, from: path)
        #expect(records.map(\.line) == [1, 4])
        #expect(records.map(\.value.id) == ["a", "b"])
    }

    @Test func missingFieldNamesFileLineAndField() throws {
        let path = try write(Array("{\"id\":\"a\",\"values\":[1]}\n{\"id\":\"b\"}\n".utf8))
        let error = #expect(throws: CTKDError.self) { try JSONLines.decode(Pair.self, from: path) }
        #expect(error?.description == "\(path):2: field \"values\": missing field")
    }

    @Test func wrongTypeNamesNestedField() throws {
        let path = try write(Array("{\"id\":\"a\",\"values\":[1,\"x\"]}\n".utf8))
        let error = #expect(throws: CTKDError.self) { try JSONLines.decode(Pair.self, from: path) }
        #expect(error?.line == 1)
        #expect(error?.field == "values[1]")
        #expect(error?.message == "expected an integer")
    }

    @Test func malformedJSONAndInvalidUTF8() throws {
        let malformed = try write(Array("{\"id\": \"a\",\n".utf8))
        let error = #expect(throws: CTKDError.self) { try JSONLines.decode(Pair.self, from: malformed) }
        #expect(error?.line == 1)
        #expect(error?.message.hasPrefix("malformed JSON") == true)

        let invalid = try write(Array("{\"id\":\"a\",\"values\":[]}\n{\"id\":\"".utf8) + [0xC3, 0x28] + Array("\",\"values\":[]}\n".utf8))
        let utf8Error = #expect(throws: CTKDError.self) { try JSONLines.decode(Pair.self, from: invalid) }
        #expect(utf8Error?.line == 2)
        #expect(utf8Error?.message == "invalid UTF-8 at byte 7 of the line")
    }

    @Test func utf8ValidationRejectsOverlongsAndSurrogates() {
        #expect(FileIO.firstInvalidUTF8Offset(Array("héllo 😀".utf8)) == nil)
        #expect(FileIO.firstInvalidUTF8Offset([0x41, 0xC0, 0x80]) == 1)        // overlong NUL
        #expect(FileIO.firstInvalidUTF8Offset([0xED, 0xA0, 0x80]) == 0)        // surrogate
        #expect(FileIO.firstInvalidUTF8Offset([0xF4, 0x90, 0x80, 0x80]) == 0)  // above U+10FFFF
        #expect(FileIO.firstInvalidUTF8Offset([0xE2, 0x82]) == 0)              // truncated
    }
}
