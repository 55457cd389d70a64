import CTKDCore

/// One record of the input data: `{"id", "prompt", "response"}` (response optional with
/// `--responses teacher`).
public struct TeachExample: Decodable, Sendable, Equatable {
    public var id: String
    public var prompt: String
    public var response: String?

    public init(id: String, prompt: String, response: String?) {
        self.id = id
        self.prompt = prompt
        self.response = response
    }

    public static func load(_ path: String, needResponses: Bool) throws -> [TeachExample] {
        var seen = Set<String>()
        return try JSONLines.decode(TeachExample.self, from: path).map { record in
            if needResponses && record.value.response == nil {
                throw CTKDError("missing field (or pass --responses teacher to generate responses)", file: path, line: record.line, field: "response")
            }
            guard seen.insert(record.value.id).inserted else {
                throw CTKDError("duplicate id \"\(record.value.id)\"", file: path, line: record.line, field: "id")
            }
            return record.value
        }
    }
}
