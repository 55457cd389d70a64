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
        var line = [UInt8]()
        for example in examples {
            line.removeAll(keepingCapacity: true)
            appendJSONLine(example, to: &line)
            try writer.write(line)
        }
        try writer.commit()
    }

    /// One example as a JSON object in the order id, prompt, response, references, task, ending
    /// with a newline.
    public static func jsonLine(_ example: DatasetExample) -> String {
        var line = [UInt8]()
        appendJSONLine(example, to: &line)
        return String(decoding: line, as: UTF8.self)
    }

    static func appendJSONLine(_ example: DatasetExample, to out: inout [UInt8]) {
        out += #"{"id":"#.utf8
        JSONText.append(example.id, to: &out)
        out += #","prompt":"#.utf8
        JSONText.append(example.prompt, to: &out)
        if let response = example.response {
            out += #","response":"#.utf8
            JSONText.append(response, to: &out)
        }
        if let references = example.references {
            out += #","references":["#.utf8
            for (index, reference) in references.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.append(reference, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        if let task = example.task {
            out += #","task":"#.utf8
            JSONText.append(task.rawValue, to: &out)
        }
        out += "}\n".utf8
    }
}

/// JSON string literals written by hand, so output bytes do not depend on Foundation's encoder
/// settings (it escapes `/` by default and orders keys only alphabetically).
public enum JSONText {
    /// `text` as a JSON string literal: `"`, `\` and control characters escaped, everything else
    /// (non-ASCII included) written as UTF-8.
    public static func quoted(_ text: String) -> String {
        var out = [UInt8]()
        append(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `text` as a JSON string literal.
    public static func append(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            out.reserveCapacity(out.count + bytes.count + 2)
            out.append(0x22)
            var start = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                switch byte {
                case 0x22: out += [0x5C, 0x22]
                case 0x5C: out += [0x5C, 0x5C]
                case 0x0A: out += [0x5C, 0x6E]
                case 0x0D: out += [0x5C, 0x72]
                case 0x09: out += [0x5C, 0x74]
                case 0x08: out += [0x5C, 0x62]
                case 0x0C: out += [0x5C, 0x66]
                default:
                    let digits: StaticString = "0123456789abcdef"
                    out += [0x5C, 0x75, 0x30, 0x30, digits.utf8Start[Int(byte >> 4)], digits.utf8Start[Int(byte & 15)]]
                }
                start = index + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
            out.append(0x22)
        }
    }
}
