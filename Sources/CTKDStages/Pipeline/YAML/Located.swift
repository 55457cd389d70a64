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
