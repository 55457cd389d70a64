import CTKDCore

/// Reading predictions and references to score.
public enum ScoringInput {
    /// Reads JSON Lines of `{"id": string, "prediction": string, "references": [string] | string}`.
    ///
    /// Every problem is a `CTKDError` naming the file and line: malformed JSON, invalid UTF-8, a
    /// missing or mistyped field, an empty reference list, a duplicate id. Blank lines are skipped.
    public static func loadJSONLines(_ path: String) throws -> ScoringExamples {
        var examples = ScoringExamples()
        var firstLine = [String: Int]()
        var prediction = [UInt8]()
        var references = [[UInt8]]()
        try JSONLines.forEachLine(in: path) { line, bytes in
            var id: String?
            var hasPrediction = false
            var hasReferences = false
            prediction.removeAll(keepingCapacity: true)
            references.removeAll(keepingCapacity: true)
            try bytes.withUnsafeBufferPointer { buffer in
                var reader = JSONReader(buffer)
                guard try reader.peekKind() == .object else { throw reader.typeError("an object", found: try reader.peekKind()) }
                try reader.forEachMember { reader, key in
                    switch key {
                    case "id":
                        id = try reader.readString()
                    case "prediction":
                        prediction.removeAll(keepingCapacity: true)
                        try reader.readString(into: &prediction)
                        hasPrediction = true
                    case "references":
                        references = try readReferences(&reader)
                        hasReferences = true
                    default:
                        try reader.skipValue()
                    }
                }
                try reader.expectEnd()
            }
            guard let id else { throw CTKDError("missing field", field: "id") }
            guard hasPrediction else { throw CTKDError("missing field", field: "prediction") }
            guard hasReferences else { throw CTKDError("missing field", field: "references") }
            if let first = firstLine[id] { throw CTKDError("duplicate id \"\(id)\" (first on line \(first))") }
            firstLine[id] = line
            examples.beginExample(id: id)
            examples.appendPrediction(prediction)
            for reference in references { examples.appendReference(reference) }
            examples.endExample()
        }
        return examples
    }

    /// A string, or a non-empty list of strings.
    private static func readReferences(_ reader: inout JSONReader) throws -> [[UInt8]] {
        switch try reader.peekKind() {
        case .string:
            var text = [UInt8]()
            try reader.readString(into: &text)
            return [text]
        case .array:
            var references = [[UInt8]]()
            try reader.forEachElement { reader, _ in
                let kind = try reader.peekKind()
                guard kind == .string else { throw reader.typeError("a string", found: kind) }
                var text = [UInt8]()
                try reader.readString(into: &text)
                references.append(text)
            }
            guard !references.isEmpty else {
                throw reader.fieldError("empty list: at least one reference is needed")
            }
            return references
        case let kind:
            throw reader.typeError("a string or a list of strings", found: kind)
        }
    }
}
