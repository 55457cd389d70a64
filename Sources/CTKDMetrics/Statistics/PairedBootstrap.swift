import CTKDCore

/// One metric's paired comparison of system A against system B, in points (100 × fraction).
public struct PairedDifference: Sendable, Equatable {
    public var key: String
    /// Corpus means of A and B.
    public var meanA: Double
    public var meanB: Double
    /// A − B: the mean difference and its bootstrap interval.
    public var difference: ConfidenceInterval
    /// The share of resamples in which A's mean is higher than B's (strictly).
    public var winShare: Double
    /// The share of resamples in which the two means are equal.
    public var tieShare: Double
}

/// Paired bootstrap over examples: both systems are resampled with the same example indices, so
/// the interval reflects the difference on the same questions, not two independent spreads.
///
///     let a = try PerExampleScores.load("student.jsonl")
///     let b = try PerExampleScores.load("baseline.jsonl")
///     for row in try PairedBootstrap.compare(a, b) {
///         print(row.key, row.difference.mean, row.difference.low, row.difference.high, row.winShare)
///     }
public enum PairedBootstrap {
    /// Compares A against B on the metric keys both tables have (or on `keys`). The tables must
    /// hold the same example ids (in any order).
    public static func compare(_ a: PerExampleScores, _ b: PerExampleScores, keys: [String]? = nil,
                               options: BootstrapOptions = BootstrapOptions()) throws -> [PairedDifference] {
        let keys = try comparedKeys(a, b, keys)
        let rowOfB = try alignment(a, b)
        let columnsA = keys.map { a.keys.firstIndex(of: $0)! }
        let columnsB = keys.map { b.keys.firstIndex(of: $0)! }
        let width = keys.count
        var differences = [Double](repeating: 0, count: a.count * width)
        var sumsA = [Double](repeating: 0, count: width)
        var sumsB = [Double](repeating: 0, count: width)
        for example in 0..<a.count {
            for column in 0..<width {
                let valueA = a.value(example: example, column: columnsA[column])
                let valueB = b.value(example: rowOfB[example], column: columnsB[column])
                sumsA[column] += valueA
                sumsB[column] += valueB
                differences[example * width + column] = valueA - valueB
            }
        }
        let resampling = differences.withUnsafeBufferPointer {
            Bootstrap.Resampling(rows: a.count, columns: width, values: $0, options: options)
        }
        let intervals = resampling.intervals
        return keys.indices.map { column in
            let means = resampling.resampled(column)
            let share = { (predicate: (Double) -> Bool) -> Double in
                means.isEmpty ? 0 : Double(means.filter(predicate).count) / Double(means.count)
            }
            return PairedDifference(
                key: keys[column],
                meanA: 100 * sumsA[column] / Double(a.count), meanB: 100 * sumsB[column] / Double(a.count),
                difference: intervals[column].scaled(by: 100),
                winShare: share { $0 > 0 }, tieShare: share { $0 == 0 })
        }
    }

    private static func comparedKeys(_ a: PerExampleScores, _ b: PerExampleScores, _ keys: [String]?) throws -> [String] {
        if let keys {
            for key in keys where !a.keys.contains(key) || !b.keys.contains(key) {
                throw CTKDError("metric \"\(key)\" is not in both score tables")
            }
            return keys
        }
        let common = a.keys.filter(b.keys.contains)
        guard !common.isEmpty else { throw CTKDError("the two score tables share no metric") }
        return common
    }

    /// For each example of A, its row in B.
    private static func alignment(_ a: PerExampleScores, _ b: PerExampleScores) throws -> [Int] {
        guard a.count > 0 else { throw CTKDError("no examples to compare") }
        var rowOfB = [String: Int](minimumCapacity: b.count)
        for (row, id) in b.ids.enumerated() { rowOfB[id] = row }
        let onlyInA = a.ids.filter { rowOfB[$0] == nil }
        let idsOfA = Set(a.ids)
        let onlyInB = b.ids.filter { !idsOfA.contains($0) }
        guard onlyInA.isEmpty && onlyInB.isEmpty else {
            var parts = [String]()
            if let first = onlyInA.first { parts.append("\(onlyInA.count) ids of A are not in B (first: \"\(first)\")") }
            if let first = onlyInB.first { parts.append("\(onlyInB.count) ids of B are not in A (first: \"\(first)\")") }
            throw CTKDError("a paired comparison needs the same examples: " + parts.joined(separator: "; "))
        }
        return a.ids.map { rowOfB[$0]! }
    }
}
