import CTKDCore
import Yams

/// A `Decoder` over a composed YAML tree that keeps the file, line and key path of every value,
/// so the pipeline schema can be written as plain `Decodable` types while every error reads like
/// a compiler diagnostic:
///
///     pipelines/demo.yaml:31: field "students[1].weigth": unknown key; did you mean "weight"? (allowed here: …)
///
/// What it adds to decoding:
/// - unknown keys are refused as soon as a mapping is opened, when the keys enum conforms to
///   `SchemaCodingKey` (every schema type's keys do); a type that reads the same mapping through
///   another type (`TrainingSpec` inside `StudentSpec`) lists those keys too, and the mapping is
///   checked once, by the outermost type;
/// - wrong types, missing keys and bad enum values name the key path and its line;
/// - YAML merge keys (`<<: *anchor`) are expanded, the mapping's own keys winning;
/// - `${NAME}` and `${NAME:-default}` in scalars are replaced from the environment (`$$` is `$`).
struct SchemaDecoder: Decoder {
    let node: Node
    let path: [SchemaKey]
    let context: SchemaDecodingContext

    var codingPath: [any CodingKey] { path }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// The key path as the user writes it: `students[1].loss` (empty for the document).
    var keyPath: String { SchemaKey.render(path) }

    var location: SourceLocation {
        SourceLocation(file: context.file, line: node.mark?.line, keyPath: keyPath)
    }

    func error(_ message: String) -> CTKDError { location.error(message) }

    func child(_ node: Node, _ key: SchemaKey) -> SchemaDecoder {
        SchemaDecoder(node: node, path: path + [key], context: context)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping, found \(describe(node))") }
        let entries = try mergedEntries(mapping)
        if let allowed = (Key.self as? any SchemaCodingKey.Type)?.names,
           context.checkedMappings.insert(keyPath).inserted {
            for entry in entries where !allowed.contains(entry.name) {
                let field = child(entry.key, .name(entry.name))
                var message = "unknown key"
                if let suggestion = SchemaDecoder.closest(to: entry.name, in: allowed) {
                    message += "; did you mean \"\(suggestion)\"?"
                }
                throw field.error(message + " (allowed here: \(allowed.joined(separator: ", ")))")
            }
        }
        return KeyedDecodingContainer(SchemaKeyedContainer<Key>(decoder: self, entries: entries))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .sequence(let sequence) = node else { throw error("expected a list, found \(describe(node))") }
        return SchemaUnkeyedContainer(decoder: self, elements: Array(sequence))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SchemaSingleValueContainer(decoder: self)
    }

    /// Decodes `T` from this node: scalars directly, everything else through `T(from:)`.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is String.Type: return try string() as! T
        case is Bool.Type: return try scalar(Bool.self, "a boolean (true or false)", SchemaDecoder.parseBool) as! T
        case is Int.Type: return try scalar(Int.self, "an integer") { Int($0.replacingOccurrences(of: "_", with: "")) } as! T
        case is UInt64.Type: return try scalar(UInt64.self, "a non-negative integer") { UInt64($0.replacingOccurrences(of: "_", with: "")) } as! T
        case is Double.Type: return try scalar(Double.self, "a number") { Double($0).flatMap { $0.isFinite ? $0 : nil } } as! T
        default: return try T(from: self)
        }
    }

    /// The node's text after substitution, for any scalar that is not null.
    func string() throws -> String {
        guard case .scalar(let scalar) = node else { throw error("expected a string, found \(describe(node))") }
        if SchemaDecoder.isNull(node) { throw error("expected a string, found nothing") }
        return try substitute(scalar.string)
    }

    func scalar<T>(_ type: T.Type, _ expected: String, _ parse: (String) -> T?) throws -> T {
        guard case .scalar(let scalar) = node, !SchemaDecoder.isNull(node) else {
            throw error("expected \(expected), found \(describe(node))")
        }
        let text = try substitute(scalar.string)
        guard let value = parse(text) else { throw error("expected \(expected), found \"\(text)\"") }
        return value
    }

    /// `${NAME}`, `${NAME:-default}` and `$$` in a scalar's text.
    func substitute(_ text: String) throws -> String {
        do {
            return try VariableSubstitution.apply(to: text, environment: context.environment)
        } catch let error as CTKDError {
            throw self.error(error.message)
        }
    }

    /// The mapping's entries with merge keys expanded: own keys first, in file order, then keys
    /// merged from `<<` mappings that the mapping does not set itself.
    func mergedEntries(_ mapping: Node.Mapping) throws -> [SchemaMappingEntry] {
        var entries = [SchemaMappingEntry]()
        var merged = [Node]()
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw SchemaDecoder(node: key, path: path, context: context).error("keys must be plain names")
            }
            if scalar.string == "<<" && scalar.style == .plain {
                switch value {
                case .mapping: merged.append(value)
                case .sequence(let sequence): merged.append(contentsOf: sequence)
                default: throw child(value, .name("<<")).error("a merge key (<<) takes a mapping or a list of mappings")
                }
            } else {
                entries.append(.init(name: scalar.string, key: key, value: value))
            }
        }
        for source in merged {
            guard case .mapping(let mapping) = source else {
                throw child(source, .name("<<")).error("a merge key (<<) takes a mapping or a list of mappings")
            }
            for entry in try mergedEntries(mapping) where !entries.contains(where: { $0.name == entry.name }) {
                entries.append(entry)
            }
        }
        return entries
    }

    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    static func parseBool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": false
        default: nil
        }
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar(let scalar): SchemaDecoder.isNull(node) ? "nothing" : "\"\(scalar.string)\""
        case .alias: "an alias"
        }
    }

    /// The allowed name closest to a misspelt one (edit distance at most 2, or a third of its
    /// length), for "did you mean".
    static func closest(to name: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(Array(name.lowercased()), Array($0.lowercased()))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, name.count / 3) else { return nil }
        return best.0
    }

    /// Levenshtein distance (insertions, deletions, substitutions).
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for i in stride(from: 1, through: a.count, by: 1) {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// State shared by all decoders of one file.
final class SchemaDecodingContext {
    let file: String
    let environment: [String: String]
    /// Key paths of the mappings whose keys were already checked against a schema type.
    var checkedMappings = Set<String>()

    init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }
}

/// A schema type's keys: `CaseIterable`, so the decoder can refuse the keys that are not among them.
protocol SchemaCodingKey: CodingKey, CaseIterable {}

extension SchemaCodingKey {
    static var names: [String] { allCases.map(\.stringValue) }
}

/// One step of a key path: a mapping key or a list index.
enum SchemaKey: CodingKey, Sendable {
    case name(String)
    case index(Int)

    var stringValue: String {
        switch self {
        case .name(let name): name
        case .index(let index): "[\(index)]"
        }
    }
    var intValue: Int? { if case .index(let index) = self { index } else { nil } }
    init?(stringValue: String) { self = .name(stringValue) }
    init?(intValue: Int) { self = .index(intValue) }

    static func render(_ path: [SchemaKey]) -> String {
        var text = ""
        for key in path {
            switch key {
            case .name(let name): text += text.isEmpty ? name : "." + name
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }
}

/// Where a value is: the file, its line, and its key path.
public struct SourceLocation: Sendable, Equatable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var keyPath: String

    public init(file: String, line: Int?, keyPath: String) {
        self.file = file
        self.line = line
        self.keyPath = keyPath
    }

    /// An error at this location; the document itself (empty key path) names no field.
    public func error(_ message: String) -> CTKDError {
        CTKDError(message, file: file, line: line, field: keyPath.isEmpty ? nil : keyPath)
    }

    public var description: String { file + (line.map { ":\($0)" } ?? "") + (keyPath.isEmpty ? "" : " (\(keyPath))") }
}
