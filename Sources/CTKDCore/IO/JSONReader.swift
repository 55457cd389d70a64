#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pull parser over JSON bytes: the caller walks the document and takes what it needs, so no
/// tree of values is built and skipped values (SQuAD contexts) are never decoded.
///
///     var reader = JSONReader(buffer)
///     try reader.forEachMember { reader, key in
///         switch key {
///         case "id": id = try reader.readString()
///         default: try reader.skipValue()
///         }
///     }
///     try reader.expectEnd()
///
/// Errors are `CTKDError`s: syntax errors give the byte offset (and the line, for whole files);
/// type errors name the field path (`references[1]`, `data[0].paragraphs[2].qas[0].id`).
/// Strings are checked to be valid UTF-8 and their escapes decoded (a lone surrogate `\ud800`
/// is an error). Like Python's `json`, control characters inside strings are rejected, a
/// repeated key is passed to the caller again (Python keeps the last), and `NaN`/`Infinity` are
/// read as numbers.
public struct JSONReader {
    /// What the next value is; the raw value names it in error messages.
    public enum Kind: String, Sendable {
        case object = "an object"
        case array = "a list"
        case string = "a string"
        case number = "a number"
        case boolean = "a boolean"
        case null = "null"
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    public private(set) var position = 0
    /// Whole-file documents report line numbers; JSON Lines callers add the line themselves.
    private let reportsLines: Bool
    private var path: [PathComponent] = []

    private enum PathComponent {
        case key(String)
        case index(Int)
    }

    public init(_ bytes: UnsafeBufferPointer<UInt8>, reportsLines: Bool = false) {
        self.bytes = bytes
        self.reportsLines = reportsLines
    }

    // MARK: - Structure

    /// Calls `body` for each member of an object, with the reader positioned at the value, which
    /// `body` must consume (read or skip).
    public mutating func forEachMember(_ body: (inout JSONReader, String) throws -> Void) throws {
        try expect(.object)
        position += 1
        skipWhitespace()
        if peekByte() == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            guard peekByte() == UInt8(ascii: "\"") else { throw syntaxError("expected a string key") }
            let key = try readRawString()
            skipWhitespace()
            guard peekByte() == UInt8(ascii: ":") else { throw syntaxError("expected ':' after a key") }
            position += 1
            skipWhitespace()
            path.append(.key(key))
            try body(&self, key)
            path.removeLast()
            skipWhitespace()
            switch peekByte() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return
            default: throw syntaxError("expected ',' or '}'")
            }
        }
    }

    /// Calls `body` for each element of a list with its index; `body` must consume the element.
    public mutating func forEachElement(_ body: (inout JSONReader, Int) throws -> Void) throws {
        try expect(.array)
        position += 1
        skipWhitespace()
        if peekByte() == UInt8(ascii: "]") {
            position += 1
            return
        }
        var index = 0
        while true {
            skipWhitespace()
            path.append(.index(index))
            try body(&self, index)
            path.removeLast()
            index += 1
            skipWhitespace()
            switch peekByte() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return
            default: throw syntaxError("expected ',' or ']'")
            }
        }
    }

    /// The kind of the next value (white space skipped).
    public mutating func peekKind() throws -> Kind {
        skipWhitespace()
        guard let byte = peekByte() else { throw syntaxError("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .boolean
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "N"), UInt8(ascii: "I"): return .number
        default: throw syntaxError("unexpected character")
        }
    }

    /// Checks that only white space follows the document.
    public mutating func expectEnd() throws {
        skipWhitespace()
        if position < bytes.count { throw syntaxError("unexpected data after the JSON value") }
    }

    // MARK: - Values

    public mutating func readString() throws -> String {
        var decoded = [UInt8]()
        try readString(into: &decoded)
        return String(decoding: decoded, as: UTF8.self)
    }

    /// Appends the decoded UTF-8 bytes of a string value to `output`.
    public mutating func readString(into output: inout [UInt8]) throws {
        try expect(.string)
        try decodeString(into: &output)
    }

    /// A number; like Python's `json`, also the literals `NaN`, `Infinity` and `-Infinity`
    /// (which Python writes for non-finite floats, e.g. a diverged loss).
    public mutating func readNumber() throws -> Double {
        try expect(.number)
        if matchBytes("NaN") { return .nan }
        if matchBytes("Infinity") { return .infinity }
        if matchBytes("-Infinity") { return -.infinity }
        let start = position
        if peekByte() == UInt8(ascii: "-") { position += 1 }
        guard let first = peekByte(), first &- 0x30 < 10 else { throw syntaxError("invalid number") }
        position += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if peekByte() == UInt8(ascii: ".") {
            position += 1
            guard skipDigits() > 0 else { throw syntaxError("invalid number") }
        }
        if peekByte() == UInt8(ascii: "e") || peekByte() == UInt8(ascii: "E") {
            position += 1
            if peekByte() == UInt8(ascii: "+") || peekByte() == UInt8(ascii: "-") { position += 1 }
            guard skipDigits() > 0 else { throw syntaxError("invalid number") }
        }
        // strtod rounds correctly; the text is copied to give it a terminating NUL.
        let length = position - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { text in
            for offset in 0..<length { text[offset] = CChar(bitPattern: bytes[start + offset]) }
            text[length] = 0
            return strtod(text.baseAddress!, nil)
        }
    }

    public mutating func readBool() throws -> Bool {
        try expect(.boolean)
        if try matchLiteral("true") { return true }
        if try matchLiteral("false") { return false }
        throw syntaxError("invalid literal")
    }

    /// Consumes the next value, whatever it is.
    public mutating func skipValue() throws {
        switch try peekKind() {
        case .object: try forEachMember { reader, _ in try reader.skipValue() }
        case .array: try forEachElement { reader, _ in try reader.skipValue() }
        case .string: try decodeString(into: nil)
        case .number: _ = try readNumber()
        case .boolean: _ = try readBool()
        case .null: guard try matchLiteral("null") else { throw syntaxError("invalid literal") }
        }
    }

    /// A type error for the current field, e.g. `field "references[1]": expected a string, found a number`.
    public func typeError(_ expected: String, found: Kind? = nil) -> CTKDError {
        fieldError("expected \(expected)" + (found.map { ", found \($0.rawValue)" } ?? ""))
    }

    /// An error about the value being read, naming its field (and its line, for whole files).
    public func fieldError(_ message: String) -> CTKDError {
        CTKDError(message, line: reportsLines ? lineNumber(at: position).line : nil, field: fieldPath)
    }

    /// The path of the value being read, e.g. `data[0].paragraphs[2].qas`.
    public var fieldPath: String? {
        guard !path.isEmpty else { return nil }
        var text = ""
        for component in path {
            switch component {
            case .key(let key): text += text.isEmpty ? key : "." + key
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }

    // MARK: - Scanning

    private mutating func expect(_ kind: Kind) throws {
        let found = try peekKind()
        if found != kind { throw typeError(kind.rawValue, found: found) }
    }

    @inline(__always)
    private func peekByte() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    @inline(__always)
    private mutating func skipWhitespace() {
        while position < bytes.count {
            let byte = bytes[position]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            position += 1
        }
    }

    @discardableResult
    private mutating func skipDigits() -> Int {
        let start = position
        while let byte = peekByte(), byte &- 0x30 < 10 { position += 1 }
        return position - start
    }

    private mutating func matchLiteral(_ literal: StaticString) throws -> Bool {
        let length = literal.utf8CodeUnitCount
        guard position + length <= bytes.count else { return false }
        let text = UnsafeBufferPointer(start: literal.utf8Start, count: length)
        for offset in 0..<length where bytes[position + offset] != text[offset] { return false }
        position += length
        return true
    }

    private mutating func readRawString() throws -> String {
        var decoded = [UInt8]()
        try decodeString(into: &decoded)
        return String(decoding: decoded, as: UTF8.self)
    }

    /// Decodes the string at `position` (its opening quote) into `output`, or only validates it.
    private mutating func decodeString(into output: UnsafeMutablePointer<[UInt8]>?) throws {
        position += 1
        var runStart = position
        func flush(_ end: Int) {
            if let output, end > runStart { output.pointee.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<end])) }
        }
        while true {
            guard position < bytes.count else { throw syntaxError("unterminated string") }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                flush(position)
                position += 1
                return
            }
            if byte == UInt8(ascii: "\\") {
                flush(position)
                try decodeEscape(into: output)
                runStart = position
            } else if byte < 0x20 {
                throw syntaxError("control character in a string")
            } else if byte < 0x80 {
                position += 1
            } else {
                let length = UTF8Validation.sequenceLength(bytes, at: position)
                if length == 0 { throw invalidUTF8(at: position) }
                position += length
            }
        }
    }

    private mutating func decodeString(into output: inout [UInt8]) throws {
        try withUnsafeMutablePointer(to: &output) { try decodeString(into: $0) }
    }

    private mutating func decodeEscape(into output: UnsafeMutablePointer<[UInt8]>?) throws {
        position += 1
        guard let code = peekByte() else { throw syntaxError("unterminated string") }
        position += 1
        var scalar: UInt32
        switch code {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalar = UInt32(code)
        case UInt8(ascii: "b"): scalar = 0x08
        case UInt8(ascii: "f"): scalar = 0x0C
        case UInt8(ascii: "n"): scalar = 0x0A
        case UInt8(ascii: "r"): scalar = 0x0D
        case UInt8(ascii: "t"): scalar = 0x09
        case UInt8(ascii: "u"):
            scalar = try readHex4()
            if scalar >= 0xD800 && scalar < 0xDC00 {
                guard matchBytes("\\u") else { throw syntaxError("lone surrogate in a \\u escape") }
                let low = try readHex4()
                guard low >= 0xDC00 && low < 0xE000 else { throw syntaxError("lone surrogate in a \\u escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar >= 0xDC00 && scalar < 0xE000 {
                throw syntaxError("lone surrogate in a \\u escape")
            }
        default:
            throw syntaxError("invalid escape")
        }
        if let output { Self.appendUTF8(scalar, to: &output.pointee) }
    }

    private static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        if scalar < 0x80 {
            output.append(UInt8(scalar))
        } else if scalar < 0x800 {
            output += [UInt8(0xC0 | scalar >> 6), UInt8(0x80 | scalar & 0x3F)]
        } else if scalar < 0x10000 {
            output += [UInt8(0xE0 | scalar >> 12), UInt8(0x80 | (scalar >> 6) & 0x3F), UInt8(0x80 | scalar & 0x3F)]
        } else {
            output += [UInt8(0xF0 | scalar >> 18), UInt8(0x80 | (scalar >> 12) & 0x3F),
                       UInt8(0x80 | (scalar >> 6) & 0x3F), UInt8(0x80 | scalar & 0x3F)]
        }
    }

    private mutating func matchBytes(_ text: StaticString) -> Bool {
        (try? matchLiteral(text)) ?? false
    }

    private mutating func readHex4() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw syntaxError("invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - 0x30
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - 0x61 + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - 0x41 + 10
            default: throw syntaxError("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    // MARK: - Errors

    private func syntaxError(_ what: String) -> CTKDError {
        located("malformed JSON: \(what)", at: position)
    }

    private func invalidUTF8(at offset: Int) -> CTKDError {
        located("invalid UTF-8", at: offset)
    }

    private func located(_ message: String, at offset: Int) -> CTKDError {
        guard reportsLines else { return CTKDError("\(message) at byte \(offset) of the line") }
        let (line, lineStart) = lineNumber(at: offset)
        return CTKDError("\(message) at column \(offset - lineStart + 1)", line: line)
    }

    /// The 1-based line of byte `offset` and the offset where that line starts.
    private func lineNumber(at offset: Int) -> (line: Int, start: Int) {
        var line = 1
        var lineStart = 0
        for index in 0..<min(offset, bytes.count) where bytes[index] == 0x0A {
            line += 1
            lineStart = index + 1
        }
        return (line, lineStart)
    }
}

/// Writing JSON text.
public enum JSONText {
    /// A JSON string literal; non-ASCII characters are written as UTF-8 (like `ensure_ascii=False`).
    public static func quote(_ text: String) -> String {
        var output = [UInt8]()
        quote(text, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    public static func quote(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output += [0x5C, 0x22]
            case UInt8(ascii: "\\"): output += [0x5C, 0x5C]
            case 0x0A: output += [0x5C, UInt8(ascii: "n")]
            case 0x0D: output += [0x5C, UInt8(ascii: "r")]
            case 0x09: output += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// The shortest text that reads back as the same `Double` (Swift's `description`), which is
    /// valid JSON for finite values.
    public static func number(_ value: Double) -> String {
        precondition(value.isFinite, "JSON has no representation for \(value)")
        return value.description
    }
}
