import CTKDCore

/// `${NAME}` and `${NAME:-default}` in pipeline values, from the environment, so one pipeline
/// file serves machines whose data lives in different places:
///
///     path: ${SQUAD_DIR:-data/squad}/dev-v1.1.json
///
/// `$$` writes a literal `$`; any other `$` is kept as it is. As in the shell, a variable that is
/// unset or empty takes the default; one without a default must be set.
enum VariableSubstitution {
    static func apply(to text: String, environment: [String: String]) throws -> String {
        guard text.contains("$") else { return text }
        var out = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.first == "$" {
                out += "$"
                rest = after.dropFirst()
            } else if after.first == "{" {
                guard let close = after.firstIndex(of: "}") else {
                    throw CTKDError("unclosed \"${\" in \"\(text)\"")
                }
                let body = after[after.index(after: after.startIndex)..<close]
                let name: Substring, fallback: Substring?
                if let separator = body.range(of: ":-") {
                    name = body[..<separator.lowerBound]
                    fallback = body[separator.upperBound...]
                } else {
                    name = body
                    fallback = nil
                }
                guard !name.isEmpty, name.allSatisfy({ $0 == "_" || $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                    throw CTKDError("\"${\(body)}\" is not a variable name")
                }
                if let value = environment[String(name)], !value.isEmpty {
                    out += value
                } else if let fallback {
                    out += fallback
                } else {
                    throw CTKDError("environment variable \(name) is not set (write ${\(name):-default} to give a default)")
                }
                rest = after[after.index(after: close)...]
            } else {
                out += "$"
                rest = after
            }
        }
        return out + rest
    }
}
