import CTKDCore

/// A table of per-example metric values: one row per example id, one column per metric key,
/// values as fractions in [0, 1] (`MetricSet`'s keys).
///
/// Written and read as JSON Lines, one object per example (`ctkd score --per-example`):
///
///     {"id": "56be4db0acb8001400a502ec", "em": 1.0, "f1": 1.0, …, "rougeLsum_stem_recall": 1.0}
public struct PerExampleScores: Sendable, Equatable {
    public private(set) var ids: [String]
    public private(set) var keys: [String]
    /// Row-major: `values[example * keys.count + column]`.
    public private(set) var values: [Double]

    public init(ids: [String], keys: [String], values: [Double]) {
        precondition(values.count == ids.count * keys.count, "values must hold one row per id")
        self.ids = ids
        self.keys = keys
        self.values = values
    }

    public var count: Int { ids.count }

    public func value(example: Int, column: Int) -> Double { values[example * keys.count + column] }

    /// Every example's value of `key`, or nil if the table has no such column.
    public func column(_ key: String) -> [Double]? {
        guard let column = keys.firstIndex(of: key) else { return nil }
        return (0..<count).map { value(example: $0, column: column) }
    }

    /// The mean of `key` over the examples (a fraction), or nil if there is no such column.
    public func mean(_ key: String) -> Double? {
        guard let values = column(key) else { return nil }
        return values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }

    /// Replaces the values of one example (e.g. a missing SQuAD prediction, which scores 0).
    mutating func setRow(_ example: Int, to row: [Double]) {
        precondition(row.count == keys.count)
        for column in keys.indices { values[example * keys.count + column] = row[column] }
    }

    // MARK: - JSON Lines

    /// The JSON Lines text, one object per example, keys in column order.
    public func jsonLines() -> [UInt8] {
        var output = [UInt8]()
        output.reserveCapacity(count * (32 + keys.count * 28))
        let quotedKeys = keys.map { Array((", " + JSONText.quote($0) + ": ").utf8) }
        for example in 0..<count {
            output += Array("{\"id\": ".utf8)
            JSONText.quote(ids[example], into: &output)
            for column in keys.indices {
                output += quotedKeys[column]
                output += Array(JSONText.number(value(example: example, column: column)).utf8)
            }
            output += Array("}\n".utf8)
        }
        return output
    }

    /// Writes the table atomically (a reader never sees half a file).
    public func write(to path: String) throws {
        try AtomicFile.write(jsonLines(), to: path)
    }

    /// Reads a per-example file: each line an object with a string `id` and the same numeric
    /// fields; other fields (strings, booleans, null) are ignored. Ids must be unique.
    public static func load(_ path: String) throws -> PerExampleScores {
        var ids = [String]()
        var keys: [String]?
        var values = [Double]()
        var firstLine = [String: Int]()
        try JSONLines.forEachLine(in: path) { line, bytes in
            var id: String?
            var row = [(String, Double)]()
            try bytes.withUnsafeBufferPointer { buffer in
                var reader = JSONReader(buffer)
                try reader.forEachMember { reader, key in
                    switch (key, try reader.peekKind()) {
                    case ("id", .string): id = try reader.readString()
                    case ("id", let kind): throw reader.typeError("a string", found: kind)
                    case (_, .number):
                        let value = try reader.readNumber()
                        guard value.isFinite else { throw reader.fieldError("expected a finite number") }
                        row.append((key, value))
                    default: try reader.skipValue()
                    }
                }
                try reader.expectEnd()
            }
            guard let id else { throw CTKDError("missing field", field: "id") }
            if let first = firstLine[id] { throw CTKDError("duplicate id \"\(id)\" (first on line \(first))") }
            firstLine[id] = line
            let lineKeys = row.map(\.0)
            if let keys {
                guard Set(lineKeys) == Set(keys) && lineKeys.count == keys.count else {
                    let missing = keys.filter { !lineKeys.contains($0) }
                    if let key = missing.first { throw CTKDError("missing field", field: key) }
                    throw CTKDError("metric fields differ from the first line's (\(keys.joined(separator: ", ")))")
                }
                let byKey = Dictionary(row, uniquingKeysWith: { _, last in last })
                values += keys.map { byKey[$0]! }
            } else {
                guard !row.isEmpty else { throw CTKDError("no numeric metric fields") }
                keys = lineKeys
                values += row.map(\.1)
            }
            ids.append(id)
        }
        guard let keys else { throw CTKDError("no examples", file: path) }
        return PerExampleScores(ids: ids, keys: keys, values: values)
    }
}
