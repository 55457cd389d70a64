import CTKDCore

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
