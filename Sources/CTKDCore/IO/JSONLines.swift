import Foundation

/// Reads JSON Lines files (one JSON value per line) with errors that name file, line and field.
///
///     struct Pair: Decodable { let id: String; let prediction: String }
///     for record in try JSONLines.decode(Pair.self, from: "pred.jsonl") {
///         print(record.line, record.value.id)
///     }
///
/// Lines that hold only white space are skipped (a trailing newline is not an empty record).
/// Invalid UTF-8, malformed JSON, a missing field or a value of the wrong type is a `CTKDError`.
public enum JSONLines {
    public struct Record<Value> {
        /// 1-based line number in the file.
        public let line: Int
        public let value: Value
    }

    /// Calls `body` with each non-blank line's number and bytes (without the newline).
    public static func forEachLine(
        in path: String, _ body: (_ line: Int, _ bytes: ArraySlice<UInt8>) throws -> Void
    ) throws {
        let bytes = try FileIO.read(path)
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            var contentEnd = end
            if contentEnd > start && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            let line = bytes[start..<contentEnd]
            if line.contains(where: { !isJSONWhitespace($0) }) {
                do {
                    try body(lineNumber, line)
                } catch let error as CTKDError {
                    throw error.located(file: path, line: lineNumber)
                }
            }
            start = end + 1
        }
    }

    /// Decodes every line as `Value`.
    public static func decode<Value: Decodable>(
        _ type: Value.Type, from path: String
    ) throws -> [Record<Value>] {
        let decoder = JSONDecoder()
        var records = [Record<Value>]()
        try forEachLine(in: path) { line, bytes in
            records.append(Record(line: line, value: try decodeLine(type, bytes, decoder: decoder)))
        }
        return records
    }

    /// Decodes one line; errors carry the field but not yet the file and line.
    public static func decodeLine<Value: Decodable>(
        _ type: Value.Type, _ bytes: ArraySlice<UInt8>, decoder: JSONDecoder = JSONDecoder()
    ) throws -> Value {
        if let offset = FileIO.firstInvalidUTF8Offset(bytes) {
            throw CTKDError("invalid UTF-8 at byte \(offset) of the line")
        }
        do {
            return try decoder.decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw describe(error)
        }
    }

    /// Parses one line into Foundation's untyped JSON (`[String: Any]`, `[Any]`, `String`, `NSNumber`…).
    public static func parseLine(_ bytes: ArraySlice<UInt8>) throws -> Any {
        if let offset = FileIO.firstInvalidUTF8Offset(bytes) {
            throw CTKDError("invalid UTF-8 at byte \(offset) of the line")
        }
        do {
            return try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw CTKDError("malformed JSON: \(underlyingMessage(error))")
        }
    }

    /// Turns Foundation's decoding errors into sentences that name the field.
    public static func describe(_ error: DecodingError) -> CTKDError {
        func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String? {
            let keys = codingPath + (last.map { [$0] } ?? [])
            guard !keys.isEmpty else { return nil }
            return keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return CTKDError("missing field", field: path(context.codingPath, key))
        case .typeMismatch(let type, let context):
            return CTKDError("expected \(jsonTypeName(type))", field: path(context.codingPath))
        case .valueNotFound(let type, let context):
            return CTKDError("expected \(jsonTypeName(type)), found null", field: path(context.codingPath))
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                let reason = context.underlyingError.map(underlyingMessage) ?? context.debugDescription
                return CTKDError("malformed JSON: \(reason)")
            }
            return CTKDError(context.debugDescription, field: path(context.codingPath))
        @unknown default:
            return CTKDError("\(error)")
        }
    }

    static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is [Any].Type: return "a list"
        case is [String: Any].Type: return "an object"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array<") { return "a list" }
            if name.hasPrefix("Dictionary<") { return "an object" }
            return "a value of type \(name)"
        }
    }

    static func underlyingMessage(_ error: any Error) -> String {
        let nsError = error as NSError
        if let detail = nsError.userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
        return "\(error)"
    }

    @inline(__always)
    static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }
}
