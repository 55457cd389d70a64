import CTKDCore

extension JSONValue {
    /// Parses a whole JSON document into a tree that keeps the order of object keys.
    ///
    /// The syntax, UTF-8 and escape rules and the error messages (byte offset and line) are
    /// CTKDCore's `JSONReader`, which every other JSON reader in ctkd uses too.
    ///
    ///     let json = try JSONValue(parsing: try FileIO.read("tokenizer.json"))
    public init(parsing bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBufferPointer { buffer in
            var reader = JSONReader(buffer, reportsLines: true)
            let value = try JSONValue.read(&reader, depth: 0)
            try reader.expectEnd()
            return value
        }
    }

    private static func read(_ reader: inout JSONReader, depth: Int) throws -> JSONValue {
        // Recursion is bounded so that a hostile file cannot overflow the stack.
        guard depth < 512 else { throw reader.fieldError("JSON nested more than 512 levels deep") }
        switch try reader.peekKind() {
        case .object:
            var members = [(key: String, value: JSONValue)]()
            try reader.forEachMember { reader, key in members.append((key, try read(&reader, depth: depth + 1))) }
            return .object(members)
        case .array:
            var elements = [JSONValue]()
            try reader.forEachElement { reader, _ in elements.append(try read(&reader, depth: depth + 1)) }
            return .array(elements)
        case .string: return .string(try reader.readString())
        case .number: return .number(try reader.readNumber())
        case .boolean: return .bool(try reader.readBool())
        case .null:
            try reader.skipValue()
            return .null
        }
    }
}
