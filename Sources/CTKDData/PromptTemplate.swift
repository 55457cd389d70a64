import CTKDCore

/// How a source record becomes a prompt: a text with `{field}` placeholders, and the separator
/// put in front of the response (prompt and response are tokenized separately, so the separator
/// belongs to the response; a space keeps GPT-2-style tokens such as `Ġanswer` intact).
///
///     let template = PromptTemplate.qa
///     try template.render { ["context": "Oslo is cold.", "question": "Is Oslo cold?"][$0] }
///     // "Context: Oslo is cold.\nQuestion: Is Oslo cold?\nAnswer:"
///
/// `{{` and `}}` stand for literal braces. A placeholder may name a nested field (`{answers.text}`)
/// where the adapter supports it.
public struct PromptTemplate: Codable, Sendable, Equatable {
    /// The built-in name, or `custom` for a template given as text.
    public var name: String
    public var text: String
    public var responsePrefix: String

    public init(name: String = "custom", text: String, responsePrefix: String = " ") {
        self.name = name
        self.text = text
        self.responsePrefix = responsePrefix
    }

    /// Extractive QA (SQuAD, the demo's QA task): the answer follows `Answer:`.
    public static let qa = PromptTemplate(
        name: "qa", text: "Context: {context}\nQuestion: {question}\nAnswer:")
    /// Dialogue summarisation (DialogSum, the demo's summary task).
    public static let dialogueSummary = PromptTemplate(
        name: "dialogue-summary", text: "Dialogue:\n{dialogue}\nSummary:")
    /// The record's prompt as it is, and its response as it is.
    public static let plain = PromptTemplate(name: "plain", text: "{prompt}", responsePrefix: "")

    public static let builtIn: [PromptTemplate] = [qa, dialogueSummary, plain]

    /// A built-in template by name, or a custom one when `nameOrText` contains a placeholder.
    public static func resolve(_ nameOrText: String) throws -> PromptTemplate {
        if let template = builtIn.first(where: { $0.name == nameOrText }) { return template }
        let template = PromptTemplate(text: nameOrText)
        guard !(try template.placeholders()).isEmpty else {
            throw CTKDError("unknown template \"\(nameOrText)\"; use one of "
                            + builtIn.map(\.name).joined(separator: ", ")
                            + ", or a text with {field} placeholders")
        }
        return template
    }

    /// The placeholder names in order of appearance.
    public func placeholders() throws -> [String] {
        try parts().compactMap { if case .field(let name) = $0 { name } else { nil } }
    }

    /// The prompt for one record; `value(name)` returns a placeholder's text, or nil when the
    /// record lacks it (a `CTKDError` naming the field).
    public func render(_ value: (String) throws -> String?) throws -> String {
        try compiled().render(value)
    }

    /// The template parsed once, for rendering many records.
    public func compiled() throws -> Compiled { Compiled(name: name, parts: try parts()) }

    public struct Compiled: Sendable {
        let name: String
        let parts: [Part]

        /// See `PromptTemplate.render`.
        public func render(_ value: (String) throws -> String?) throws -> String {
            var out = ""
            for part in parts {
                switch part {
                case .literal(let text): out += text
                case .field(let field):
                    guard let text = try value(field) else {
                        throw CTKDError("missing field (template \"\(name)\" needs it)", field: field)
                    }
                    out += text
                }
            }
            return out
        }
    }

    /// The response as it is stored: the separator, then the answer without surrounding white
    /// space; a template without a separator (`plain`) keeps the answer exactly as it is.
    public func response(_ answer: String) -> String {
        responsePrefix.isEmpty ? answer : responsePrefix + answer.trimmingWhitespace()
    }

    enum Part: Equatable, Sendable {
        case literal(String)
        case field(String)
    }

    func parts() throws -> [Part] {
        var parts = [Part]()
        var literal = ""
        var scalars = text.unicodeScalars[...]
        while let scalar = scalars.popFirst() {
            if scalar == "{" && scalars.first == "{" || scalar == "}" && scalars.first == "}" {
                literal.unicodeScalars.append(scalar)
                scalars.removeFirst()
            } else if scalar == "{" {
                guard let close = scalars.firstIndex(of: "}") else {
                    throw CTKDError("template \"\(name)\": unclosed \"{\"")
                }
                let field = String(scalars[..<close])
                guard !field.isEmpty, field.unicodeScalars.allSatisfy(Self.isFieldScalar) else {
                    throw CTKDError("template \"\(name)\": \"{\(field)}\" is not a field name")
                }
                if !literal.isEmpty { parts.append(.literal(literal)) }
                literal = ""
                parts.append(.field(field))
                scalars = scalars[scalars.index(after: close)...]
            } else if scalar == "}" {
                throw CTKDError("template \"\(name)\": unmatched \"}\" (write \"}}\" for a brace)")
            } else {
                literal.unicodeScalars.append(scalar)
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        return parts
    }

    private static func isFieldScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "."
            || scalar == "-"
    }
}

extension String {
    /// The string without leading and trailing white space (spaces, tabs, newlines).
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
