import CTKDCore

/// A JSON value that keeps the order of object keys, so that a tokenizer.json read and written
/// again keeps its layout, and so that errors can name the field that is wrong.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The value under `key` of an object (nil for a missing key or a non-object).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first(where: { $0.key == key })?.value
    }

    public var isNull: Bool { if case .null = self { return true } else { return false } }
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var objectValue: [(key: String, value: JSONValue)]? {
        if case .object(let o) = self { return o } else { return nil }
    }
    public var intValue: Int? {
        guard case .number(let n) = self, n.rounded() == n, abs(n) < 9e15 else { return nil }
        return Int(n)
    }
}

/// Typed access to the fields of a JSON object, with errors that name the field's path
/// (`model.merges[12]`) so that a broken tokenizer.json points at its mistake.
struct JSONObjectReader {
    let value: JSONValue
    let path: String

    init(_ value: JSONValue, path: String) throws {
        guard case .object = value else { throw CTKDError("expected an object", field: path.isEmpty ? nil : path) }
        self.value = value
        self.path = path
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func has(_ key: String) -> Bool {
        if let v = value[key], !v.isNull { return true }
        return false
    }

    func raw(_ key: String) -> JSONValue? {
        guard let v = value[key], !v.isNull else { return nil }
        return v
    }

    func string(_ key: String) throws -> String {
        guard let v = raw(key) else { throw CTKDError("missing field", field: fieldPath(key)) }
        guard let s = v.stringValue else { throw CTKDError("expected a string", field: fieldPath(key)) }
        return s
    }

    func optionalString(_ key: String) throws -> String? {
        guard let v = raw(key) else { return nil }
        guard let s = v.stringValue else { throw CTKDError("expected a string", field: fieldPath(key)) }
        return s
    }

    func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        guard let v = raw(key) else { return defaultValue }
        guard let b = v.boolValue else { throw CTKDError("expected true or false", field: fieldPath(key)) }
        return b
    }

    func int(_ key: String) throws -> Int {
        guard let v = raw(key) else { throw CTKDError("missing field", field: fieldPath(key)) }
        guard let i = v.intValue else { throw CTKDError("expected an integer", field: fieldPath(key)) }
        return i
    }

    func int(_ key: String, default defaultValue: Int) throws -> Int {
        guard raw(key) != nil else { return defaultValue }
        return try int(key)
    }

    func array(_ key: String) throws -> [JSONValue] {
        guard let v = raw(key) else { throw CTKDError("missing field", field: fieldPath(key)) }
        guard let a = v.arrayValue else { throw CTKDError("expected a list", field: fieldPath(key)) }
        return a
    }

    func object(_ key: String) throws -> JSONObjectReader {
        guard let v = raw(key) else { throw CTKDError("missing field", field: fieldPath(key)) }
        return try JSONObjectReader(v, path: fieldPath(key))
    }

    func optionalObject(_ key: String) throws -> JSONObjectReader? {
        guard let v = raw(key) else { return nil }
        return try JSONObjectReader(v, path: fieldPath(key))
    }
}
