/// An error a person can act on: what went wrong, and where in their input.
///
/// Errors about user input name the file, and where known the line (1-based) and the field,
/// so that `description` reads like a compiler diagnostic:
///
///     data/train.jsonl:12: field "references": expected a string or a list of strings
public struct CTKDError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public var file: String?
    public var line: Int?
    public var field: String?

    public init(_ message: String, file: String? = nil, line: Int? = nil, field: String? = nil) {
        self.message = message
        self.file = file
        self.line = line
        self.field = field
    }

    public var description: String {
        var location = ""
        if let file {
            location = file
            if let line { location += ":\(line)" }
            location += ": "
        }
        if let field { location += "field \"\(field)\": " }
        return location + message
    }

    /// The same error, attributed to a file and line if it does not name one already.
    public func located(file: String, line: Int? = nil) -> CTKDError {
        var copy = self
        if copy.file == nil { copy.file = file }
        if copy.line == nil { copy.line = line }
        return copy
    }
}
