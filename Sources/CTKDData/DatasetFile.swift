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
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count + 2)
        out.append(0x22)
        for byte in text.utf8 {
            switch byte {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, 0x6E]
            case 0x0D: out += [0x5C, 0x72]
            case 0x09: out += [0x5C, 0x74]
            case 0x08: out += [0x5C, 0x62]
            case 0x0C: out += [0x5C, 0x66]
            case 0..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                out += [0x5C, 0x75, 0x30, 0x30, digits[Int(byte >> 4)], digits[Int(byte & 15)]]
            default: out.append(byte)
            }
        }
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }
}
