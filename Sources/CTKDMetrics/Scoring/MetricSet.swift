import CTKDCore
import Foundation

/// A family of metrics that is computed together.
public enum MetricGroup: String, CaseIterable, Sendable, Codable {
    /// `em`, `f1`: the official SQuAD v1.1 rules.
    case squad
    /// `em_squad2`, `f1_squad2`: SQuAD v2.0's rules for one question (no-answer aware).
    case squad2
    /// `rouge1`, `rouge2`, `rougeL`, `rougeLsum` (+ `_precision`, `_recall`), no stemming.
    case rouge
    /// The same with rouge-score's Porter stemmer: `rouge1_stem`, … .
    case rougeStem = "rouge-stem"
}

/// The metrics to compute, and the name and column of each value in a per-example row.
///
/// Keys follow `ref_metrics.py`: `em`, `f1`, `em_squad2`, `f1_squad2`, `rouge1` … `rougeLsum`,
/// `rouge1_stem` … `rougeLsum_stem` (ROUGE F-measures); then each ROUGE key's precision and recall
/// as `<key>_precision` and `<key>_recall`. Values are fractions in [0, 1].
///
///     let metrics = MetricSet(groups: [.squad, .rouge])
///     metrics.keys          // ["em", "f1", "rouge1", …, "rougeLsum", "rouge1_precision", …]
public struct MetricSet: Sendable, Equatable {
    /// The groups, in canonical order.
    public let groups: [MetricGroup]
    /// Every column's key, in row order.
    public let keys: [String]
    /// The headline keys: EM, F1 and ROUGE F-measures (no precision/recall), in row order.
    public let primaryKeys: [String]

    let emColumn: Int?
    let f1Column: Int?
    let emSQuAD2Column: Int?
    let f1SQuAD2Column: Int?
    /// Indexed by `stemmed ? 1 : 0`; nil when that variant is not computed.
    let rougeColumns: [RougeColumns?]

    /// Where one ROUGE variant's values go, per `RougeType.allCases` order.
    struct RougeColumns: Equatable {
        var fmeasure: [Int]
        var precision: [Int]
        var recall: [Int]
    }

    public static let all = MetricSet(groups: MetricGroup.allCases)

    public init(groups: some Sequence<MetricGroup>) {
        let chosen = Set(groups)
        self.groups = MetricGroup.allCases.filter(chosen.contains)
        var keys = [String]()
        func add(_ key: String) -> Int {
            keys.append(key)
            return keys.count - 1
        }
        emColumn = chosen.contains(.squad) ? add("em") : nil
        f1Column = chosen.contains(.squad) ? add("f1") : nil
        emSQuAD2Column = chosen.contains(.squad2) ? add("em_squad2") : nil
        f1SQuAD2Column = chosen.contains(.squad2) ? add("f1_squad2") : nil
        let variants: [(MetricGroup, String)] = [(.rouge, ""), (.rougeStem, "_stem")]
        let fmeasures: [[Int]?] = variants.map { group, suffix in
            chosen.contains(group) ? RougeType.allCases.map { add($0.rawValue + suffix) } : nil
        }
        primaryKeys = keys
        var columns = [RougeColumns?]()
        for (index, (group, suffix)) in variants.enumerated() {
            guard chosen.contains(group), let fmeasure = fmeasures[index] else {
                columns.append(nil)
                continue
            }
            var precision = [Int]()
            var recall = [Int]()
            for type in RougeType.allCases {
                precision.append(add(type.rawValue + suffix + "_precision"))
                recall.append(add(type.rawValue + suffix + "_recall"))
            }
            columns.append(RougeColumns(fmeasure: fmeasure, precision: precision, recall: recall))
        }
        rougeColumns = columns
        self.keys = keys
    }

    /// Parses a comma-separated list of group names, e.g. `"squad,rouge"`.
    public init(parsing list: String) throws {
        var groups = [MetricGroup]()
        for name in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let group = MetricGroup(rawValue: name) else {
                let known = MetricGroup.allCases.map(\.rawValue).joined(separator: ", ")
                throw CTKDError("unknown metric group \"\(name)\" (known: \(known))")
            }
            groups.append(group)
        }
        guard !groups.isEmpty else { throw CTKDError("no metric group given") }
        self.init(groups: groups)
    }

    public func column(of key: String) -> Int? { keys.firstIndex(of: key) }
}
