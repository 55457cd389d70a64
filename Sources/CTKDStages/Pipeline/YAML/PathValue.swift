import CTKDCore

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
