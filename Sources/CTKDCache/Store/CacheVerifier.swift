import CTKDCore

/// `ctkd cache verify`: checks a cache directory and lists every problem found.
public enum CacheVerifier {
    public struct Report: Sendable {
        public var problems: [String] = []
        public var examplesChecked = 0
        public var isValid: Bool { problems.isEmpty }
    }

    public static func verify(directory: String) -> Report {
        var report = Report()
        let reader: CacheReader
        do {
            reader = try CacheReader(directory: directory)
        } catch {
            report.problems.append("\(error)")
            return report
        }
        let count = reader.shardCount
        var indices = [Int]()
        for index in 0..<count where reader.shards[ShardName(index: index, count: count)] == nil {
            report.problems.append("\(ShardName(index: index, count: count).fileName) is missing")
        }
        for name in reader.shards.keys.sorted(by: { $0.index < $1.index }) {
            let shard = reader.shards[name]!
            do {
                let integrity = try shard.database.prepare("PRAGMA quick_check").rows().compactMap { $0.first?.text }
                if integrity != ["ok"] { report.problems.append("\(name.fileName): SQLite quick_check: \(integrity.prefix(5).joined(separator: "; "))") }
                let metadata = try shard.readMetadata()
                if metadata["complete"] != "true" { report.problems.append("\(name.fileName): not complete (its run has not finished)") }
                var shardCount = 0
                try shard.forEachRow(where: nil, []) { row in
                    shardCount += 1
                    report.examplesChecked += 1
                    if !name.owns(exampleIndex: row.exampleIndex) {
                        report.problems.append("\(name.fileName): example \(row.exampleIndex) belongs to shard \(row.exampleIndex % name.count)")
                    }
                    do {
                        _ = try reader.codecs[name]!.decode(row)
                        indices.append(row.exampleIndex)
                    } catch {
                        report.problems.append("\(name.fileName): example \(row.exampleIndex) (\(row.id)): \(error)")
                    }
                }
                if metadata["complete"] == "true", let expected = metadata["completed_examples"].flatMap(Int.init), expected != shardCount {
                    report.problems.append("\(name.fileName): holds \(shardCount) examples, its run recorded \(expected)")
                }
            } catch {
                report.problems.append("\(name.fileName): \(error)")
            }
        }
        if let total = reader.metadata["dataset_examples"].flatMap(Int.init), report.problems.isEmpty {
            let present = Set(indices)
            let missing = (0..<total).filter { !present.contains($0) }
            if !missing.isEmpty {
                report.problems.append("\(missing.count) of \(total) examples missing (first: \(missing.prefix(5).map(String.init).joined(separator: ", ")))")
            }
        }
        return report
    }
}
