import CTKDCore
import Yams

/// A mapping entry: the key's name, and its key and value nodes (for their lines).
struct SchemaMappingEntry {
    let name: String
    let key: Node
    let value: Node
}

/// A mapping's entries, addressed by the schema type's keys.
struct SchemaKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    typealias Entry = SchemaMappingEntry

    let decoder: SchemaDecoder
    let entries: [Entry]

    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { entries.compactMap { Key(stringValue: $0.name) } }

    func entry(_ key: Key) -> Entry? { entries.first { $0.name == key.stringValue } }

    func contains(_ key: Key) -> Bool { entry(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let entry = entry(key) else { return true }
        return SchemaDecoder.isNull(entry.value)
    }

    func childDecoder(_ key: Key) throws -> SchemaDecoder {
        guard let entry = entry(key) else {
            throw decoder.child(decoder.node, .name(key.stringValue)).error("required key is missing")
        }
        return decoder.child(entry.value, .name(key.stringValue))
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try childDecoder(key).decode(type)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try childDecoder(key).decode(type) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try childDecoder(key).decode(type) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try childDecoder(key).decode(type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try childDecoder(key).decode(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try childDecoder(key).decode(type) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try decode(Double.self, forKey: key)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try narrow(key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try narrow(key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try narrow(key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try narrow(key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try narrow(key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try narrow(key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try narrow(key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try narrow(key) }

    private func narrow<T: FixedWidthInteger>(_ key: Key) throws -> T {
        let child = try childDecoder(key)
        let value = try child.decode(Int.self)
        guard let narrowed = T(exactly: value) else { throw child.error("\(value) is out of range") }
        return narrowed
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey> {
        try childDecoder(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try childDecoder(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { try childDecoder(key) }
}

/// A list's elements, in order.
struct SchemaUnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: SchemaDecoder
    let elements: [Node]
    var currentIndex = 0

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    mutating func next() throws -> SchemaDecoder {
        guard !isAtEnd else { throw decoder.error("the list has too few elements") }
        defer { currentIndex += 1 }
        return decoder.child(elements[currentIndex], .index(currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, SchemaDecoder.isNull(elements[currentIndex]) else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

/// One scalar (or a whole node handed to a type's own `init(from:)`).
struct SchemaSingleValueContainer: SingleValueDecodingContainer {
    let decoder: SchemaDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { SchemaDecoder.isNull(decoder.node) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decode(type) }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.decode(type) }
    func decode(_ type: String.Type) throws -> String { try decoder.decode(type) }
    func decode(_ type: Double.Type) throws -> Double { try decoder.decode(type) }
    func decode(_ type: Int.Type) throws -> Int { try decoder.decode(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.decode(type) }
    func decode(_ type: Float.Type) throws -> Float { Float(try decoder.decode(Double.self)) }
    func decode(_ type: Int8.Type) throws -> Int8 { try narrow() }
    func decode(_ type: Int16.Type) throws -> Int16 { try narrow() }
    func decode(_ type: Int32.Type) throws -> Int32 { try narrow() }
    func decode(_ type: Int64.Type) throws -> Int64 { try narrow() }
    func decode(_ type: UInt.Type) throws -> UInt { try narrow() }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try narrow() }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try narrow() }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try narrow() }

    private func narrow<T: FixedWidthInteger>() throws -> T {
        let value = try decoder.decode(Int.self)
        guard let narrowed = T(exactly: value) else { throw decoder.error("\(value) is out of range") }
        return narrowed
    }
}
