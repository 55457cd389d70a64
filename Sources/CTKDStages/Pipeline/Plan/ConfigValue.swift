import CTKDCore
import CTKDData

/// A step's effective configuration, as a tree of plain values: what its content hash covers and
/// what `step.json` records, so that a refused step can say which key changed.
///
/// It is flattened to `path = value` lines (`train.steps = 3000`, `metrics[0] = "f1"`): the
/// hash is over those lines, and two configurations are compared line by line, so numbers keep
/// the exact text they were hashed with (no JSON round trip turns 1.0 into 1).
public indirect enum ConfigValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([ConfigValue])
    case object([String: ConfigValue])

    /// `path → text` for every leaf, sorted by path; an empty list or object is a leaf too.
    public func flattened(prefix: String = "") -> [(path: String, value: String)] {
        switch self {
        case .null: return [(prefix, "null")]
        case .bool(let value): return [(prefix, value ? "true" : "false")]
        case .int(let value): return [(prefix, String(value))]
        case .double(let value): return [(prefix, "\(value)")]
        case .string(let value): return [(prefix, JSONText.quoted(value))]
        case .list(let values):
            if values.isEmpty { return [(prefix, "[]")] }
            return values.enumerated().flatMap { $0.element.flattened(prefix: prefix + "[\($0.offset)]") }
        case .object(let members):
            if members.isEmpty { return [(prefix, "{}")] }
            return members.keys.sorted().flatMap { key in
                members[key]!.flattened(prefix: prefix.isEmpty ? key : prefix + "." + key)
            }
        }
    }

    /// The flattened form as a dictionary (what `step.json` stores under `config`).
    public var lines: [String: String] {
        Dictionary(uniqueKeysWithValues: flattened().map { ($0.path, $0.value) })
    }
}

/// Builders, so specs read as `["steps": .int(steps), …]`.
extension ConfigValue: ExpressibleByDictionaryLiteral, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral {
    public init(dictionaryLiteral elements: (String, ConfigValue)...) {
        self = .object(Dictionary(uniqueKeysWithValues: elements))
    }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }

    public static func optional(_ value: ConfigValue?) -> ConfigValue { value ?? .null }
}
