import CTKDCore

/// A student's training metrics log: per logged step the total loss, the learning rate, the
/// throughput and one value per loss term (`ce`, `kl`, `uld`, `mlot`, `bld_byte_ce`, …).
///
/// The log is appended to, also by a resumed run, which may log again steps that the interrupted
/// run had logged after its last checkpoint: a step at or below the previous one starts over
/// from there, so the curve is the one of the run that continued.
public struct TrainingLog: Sendable, Equatable {
    public struct Series: Sendable, Equatable {
        public var name: String
        /// (step, value) in step order; non-finite values are dropped.
        public var points: [(step: Double, value: Double)]

        public static func == (lhs: Series, rhs: Series) -> Bool {
            lhs.name == rhs.name && lhs.points.elementsEqual(rhs.points) { $0.step == $1.step && $0.value == $1.value }
        }
    }

    /// Keys of a log line that are not loss terms.
    public static let nonTermKeys: Set<String> = ["step", "loss", "lr", "tokens_per_second", "elapsed_seconds",
                                                   "epoch", "grad_norm"]

    public var steps: [Int]
    /// Per logged step, every numeric key of the line.
    public var rows: [[String: Double]]

    public init(steps: [Int], rows: [[String: Double]]) {
        self.steps = steps
        self.rows = rows
    }

    public static func load(_ path: String) throws -> TrainingLog {
        var log = TrainingLog(steps: [], rows: [])
        try JSONLines.forEachLine(in: path) { _, bytes in
            var row = [String: Double]()
            try bytes.withUnsafeBufferPointer { buffer in
                var reader = JSONReader(buffer)
                try reader.forEachMember { reader, key in
                    if try reader.peekKind() == .number { row[key] = try reader.readNumber() } else { try reader.skipValue() }
                }
                try reader.expectEnd()
            }
            guard let step = row["step"] else { throw CTKDError("missing field or not a number", field: "step") }
            guard let integer = Int(exactly: step), integer >= 0 else { throw CTKDError("expected a non-negative integer", field: "step") }
            guard row["loss"] != nil else { throw CTKDError("missing field or not a number", field: "loss") }
            log.append(step: integer, row: row)
        }
        return log
    }

    mutating func append(step: Int, row: [String: Double]) {
        if let restart = steps.firstIndex(where: { $0 >= step }) {
            steps.removeSubrange(restart...)
            rows.removeSubrange(restart...)
        }
        steps.append(step)
        rows.append(row)
    }

    /// The loss terms present in the log, in a stable order (sorted by name).
    public var termNames: [String] {
        Set(rows.flatMap(\.keys)).subtracting(Self.nonTermKeys).sorted()
    }

    public func series(_ key: String) -> Series {
        var points = [(step: Double, value: Double)]()
        for (step, row) in zip(steps, rows) {
            if let value = row[key], value.isFinite { points.append((Double(step), value)) }
        }
        return Series(name: key, points: points)
    }

    /// The last logged value of `key`.
    public func last(_ key: String) -> Double? { rows.last { $0[key] != nil }?[key] }

    /// The median of `key` over the log (e.g. tokens per second), robust to warm-up steps.
    public func median(_ key: String) -> Double? {
        let values = rows.compactMap { $0[key] }.filter(\.isFinite).sorted()
        guard !values.isEmpty else { return nil }
        let middle = values.count / 2
        return values.count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2
    }
}
