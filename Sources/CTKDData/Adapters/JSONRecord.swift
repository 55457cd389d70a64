import CTKDCore
import Foundation

/// One parsed JSON object with typed accessors whose errors name the field (dotted paths reach
/// into nested objects: `answers.text`).
struct JSONRecord {
    let object: [String: Any]

    init(_ value: Any) throws {
        guard let object = value as? [String: Any] else { throw CTKDError("expected a JSON object") }
        self.object = object
    }

    var keys: Dictionary<String, Any>.Keys { object.keys }

    /// The value at a dotted path, or nil when a step of the path is missing or null.
    func value(at path: String) -> Any? {
        var current: Any? = object
        for component in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let dictionary = current as? [String: Any] else { return nil }
            current = dictionary[String(component)]
        }
        return current is NSNull ? nil : current
    }

    /// A string field, nil when absent; a list of strings gives its first element.
    func string(_ path: String) throws -> String? {
        switch value(at: path) {
        case nil: return nil
        case let text as String: return text
        case let list as [Any]:
            guard let first = list.first else { return nil }
            guard let text = first as? String else {
                throw CTKDError("expected a string or a list of strings", field: path)
            }
            return text
        default: throw CTKDError("expected a string", field: path)
        }
    }

    func requiredString(_ path: String) throws -> String {
        guard let text = try string(path) else { throw CTKDError("missing field", field: path) }
        return text
    }

    /// A string or a list of strings, as a list; nil when absent.
    func strings(_ path: String) throws -> [String]? {
        switch value(at: path) {
        case nil: return nil
        case let text as String: return [text]
        case let list as [Any]:
            return try list.enumerated().map { index, element in
                guard let text = element as? String else {
                    throw CTKDError("expected a string", field: "\(path)[\(index)]")
                }
                return text
            }
        default: throw CTKDError("expected a string or a list of strings", field: path)
        }
    }
}
