import CTKDCore

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
