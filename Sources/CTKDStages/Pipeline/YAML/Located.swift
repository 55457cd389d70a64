import CTKDCore

/// A decoded value with the place in the pipeline file it came from, for checks that run after
/// decoding (files that must exist, names that must refer to something).
public struct Located<Value: Decodable & Sendable>: Decodable, Sendable {
    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }

    public init(from decoder: any Decoder) throws {
        if let schema = decoder as? SchemaDecoder {
            value = try schema.decode(Value.self)
            location = schema.location
        } else {
            value = try Value(from: decoder)
            location = SourceLocation(file: "", line: nil, keyPath: "")
        }
    }

    public func error(_ message: String) -> CTKDError { location.error(message) }
}

extension Located: Equatable where Value: Equatable {}

extension Decoder {
    /// An error located at this decoder's value (its line and key path) when it decodes a
    /// pipeline file.
    func schemaError(_ message: String) -> CTKDError {
        (self as? SchemaDecoder)?.error(message) ?? CTKDError(message, field: SchemaKey.render(
            codingPath.map { $0.intValue.map(SchemaKey.index) ?? .name($0.stringValue) }))
    }
}

extension KeyedDecodingContainer {
    /// The value for `key`, or `defaultValue` when the key is absent (or null); `check` returns a
    /// message when the value is out of range, reported at the value's line.
    func decode<T: Decodable & Sendable>(_ type: T.Type, forKey key: Key, default defaultValue: T,
                                         check: (T) -> String? = { _ in nil }) throws -> T {
        guard let located = try decodeIfPresent(Located<T>.self, forKey: key) else { return defaultValue }
        if let message = check(located.value) { throw located.error(message) }
        return located.value
    }

    /// A required value, with a range check reported at its line.
    func decode<T: Decodable & Sendable>(_ type: T.Type, forKey key: Key, check: (T) -> String?) throws -> T {
        let located = try decode(Located<T>.self, forKey: key)
        if let message = check(located.value) { throw located.error(message) }
        return located.value
    }
}

/// The keys of two schema types that read the same mapping (a student's own keys and its
/// training settings): opening a container with these first checks the mapping against both.
struct CombinedKeys<First: SchemaCodingKey, Second: SchemaCodingKey>: SchemaCodingKey {
    static var allCases: [Self] { (First.names + Second.names).map { Self(stringValue: $0) } }
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Range checks for `decode(_:forKey:check:)`.
enum Check {
    static func atLeast<T: Comparable>(_ minimum: T) -> (T) -> String? {
        { $0 >= minimum ? nil : "must be at least \(minimum)" }
    }
    static func positive(_ value: Double) -> String? { value > 0 ? nil : "must be greater than 0" }
    static func nonNegative(_ value: Double) -> String? { value >= 0 ? nil : "must not be negative" }
    static func fraction(_ value: Double) -> String? { (0...1).contains(value) ? nil : "must be between 0 and 1" }
}

/// A `String` enum read from a pipeline file: a value outside the cases is reported with the
/// allowed ones.
public protocol SchemaEnum: RawRepresentable<String>, CaseIterable, Decodable, Sendable {}

extension SchemaEnum {
    public init(from decoder: any Decoder) throws {
        self = try Self.parse(try decoder.singleValueContainer().decode(String.self), decoder: decoder)
    }
}

extension RawRepresentable where Self: CaseIterable, RawValue == String {
    /// The case named `text`, or an error listing the cases (with a "did you mean").
    static func parse(_ text: String, decoder: any Decoder) throws -> Self {
        guard let value = Self(rawValue: text) else {
            let names = allCases.map(\.rawValue)
            var message = "expected one of \(names.joined(separator: ", ")), found \"\(text)\""
            if let suggestion = SchemaDecoder.closest(to: text, in: names) { message += "; did you mean \"\(suggestion)\"?" }
            throw decoder.schemaError(message)
        }
        return value
    }
}

/// An enum declared `Codable` elsewhere (its `init(from:)` is the standard library's), read
/// from a pipeline file with the schema's error messages.
struct SchemaEnumValue<Value: RawRepresentable & CaseIterable & Sendable>: Decodable, Sendable where Value.RawValue == String {
    var value: Value

    init(from decoder: any Decoder) throws {
        value = try Value.parse(try decoder.singleValueContainer().decode(String.self), decoder: decoder)
    }
}

extension Decoder {
    /// An error at the line of one of this mapping's keys.
    func schemaError(_ message: String, atKey name: String) -> CTKDError {
        guard let schema = self as? SchemaDecoder, case .mapping(let mapping) = schema.node,
              let key = mapping.first(where: { $0.key.string == name })?.key else {
            return CTKDError(message, field: name)
        }
        return schema.child(key, .name(name)).error(message)
    }

    /// Where this decoder's value is in the pipeline file (nothing known for other decoders).
    var sourceLocation: SourceLocation {
        (self as? SchemaDecoder)?.location ?? SourceLocation(file: "", line: nil, keyPath: "")
    }
}

/// A mapping from names to values whose names are the user's (tokenizer names, split names), in
/// file order.
public struct NamedEntries<Value: Decodable & Sendable>: Decodable, Sendable {
    public struct Entry: Sendable {
        public var name: String
        public var value: Value
        public var location: SourceLocation
    }

    public var entries: [Entry]

    public init(_ entries: [Entry] = []) { self.entries = entries }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: SchemaKey.self)
        entries = try container.allKeys.map { key in
            let located = try container.decode(Located<Value>.self, forKey: key)
            return Entry(name: key.stringValue, value: located.value, location: located.location)
        }
    }

    public subscript(name: String) -> Value? { entries.first { $0.name == name }?.value }
    public var names: [String] { entries.map(\.name) }
}

/// A path as written in the pipeline file; relative paths are relative to the file's directory.
public struct PathValue: Decodable, Sendable, Equatable {
    public var text: String
    public var location: SourceLocation

    public init(_ text: String, at location: SourceLocation) {
        self.text = text
        self.location = location
    }

    public init(from decoder: any Decoder) throws {
        text = try decoder.singleValueContainer().decode(String.self)
        location = decoder.sourceLocation
        if text.isEmpty { throw decoder.schemaError("expected a path, found an empty string") }
    }

    /// The absolute path: `~/` is the home directory, a relative path starts at `directory`;
    /// `.` and `..` components are resolved lexically.
    public func resolved(relativeTo directory: String, home: String?) -> String {
        var path = text
        if path == "~" || path.hasPrefix("~/"), let home { path = home + path.dropFirst() }
        if !path.hasPrefix("/") { path = directory + "/" + path }
        var components = [Substring]()
        for component in path.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": if !components.isEmpty { components.removeLast() }
            default: components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
    }
}
