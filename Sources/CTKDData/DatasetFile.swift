import CTKDCore

/// Reading and writing normalised dataset files (JSON Lines of `DatasetExample`).
///
///     try DatasetFile.write(examples, to: "data/train.jsonl")     // atomic
///     let examples = try DatasetFile.read("data/train.jsonl")
public enum DatasetFile {
    /// Reads every example; a malformed line is a `CTKDError` naming the file, line and field.
    public static func read(_ path: String) throws -> [DatasetExample] {
        try JSONLines.decode(DatasetExample.self, from: path).map(\.value)
    }

    /// Writes the examples atomically: a reader (or a run killed half-way) sees either the old
    /// file or the complete new one. Keys are written in a fixed order, so equal examples give
    /// byte-identical files and content hashes.
    public static func write(_ examples: some Sequence<DatasetExample>, to path: String) throws {
        let writer = try AtomicFileWriter(path: path)
        for example in examples { try writer.write(jsonLine(example)) }
        try writer.commit()
    }

    /// One example as a JSON object in the order id, prompt, response, references, task, ending
    /// with a newline.
    public static func jsonLine(_ example: DatasetExample) -> String {
        var line = "{\"id\":" + JSONText.quoted(example.id) + ",\"prompt\":" + JSONText.quoted(example.prompt)
        if let response = example.response { line += ",\"response\":" + JSONText.quoted(response) }
        if let references = example.references {
            line += ",\"references\":[" + references.map(JSONText.quoted).joined(separator: ",") + "]"
        }
        if let task = example.task { line += ",\"task\":" + JSONText.quoted(task.rawValue) }
        return line + "}\n"
    }
}

/// JSON string literals written by hand, so output bytes do not depend on Foundation's encoder
/// settings (it escapes `/` by default and orders keys only alphabetically).
public enum JSONText {
    /// `text` as a JSON string literal: `"`, `\` and control characters escaped, everything else
    /// (non-ASCII included) written as UTF-8.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
