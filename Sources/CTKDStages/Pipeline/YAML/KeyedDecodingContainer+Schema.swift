import CTKDCore

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
