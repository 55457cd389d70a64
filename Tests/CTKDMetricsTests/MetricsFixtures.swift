import Foundation
import CTKDTestSupport
import CTKDCore
@testable import CTKDMetrics

/// The fixtures of Tests/Fixtures/metrics (made by make_fixtures.py from the Python references).
///
/// They are read with ctkd's `JSONReader` (tested on its own in JSONReaderTests): Foundation's
/// JSONSerialization on Linux drops a U+FEFF that starts a string or follows an escape, and the
/// fixtures hold such strings on purpose.
enum MetricsFixtures {
    static func path(_ name: String) -> String { TestSupport.fixture("metrics/" + name) }

    static func jsonLines(_ name: String) throws -> [[String: Any]] {
        let bytes = try FileIO.read(path(name))
        return try bytes.split(separator: 0x0A).map { line in
            try line.withUnsafeBufferPointer { buffer in
                var reader = JSONReader(buffer)
                return try value(&reader) as! [String: Any]
            }
        }
    }

    /// A JSON value as Foundation-style `Any` (`[String: Any]`, `[Any]`, `String`, `Double`, `Bool`, `NSNull`).
    static func value(_ reader: inout JSONReader) throws -> Any {
        switch try reader.peekKind() {
        case .object:
            var object = [String: Any]()
            try reader.forEachMember { reader, key in object[key] = try value(&reader) }
            return object
        case .array:
            var array = [Any]()
            try reader.forEachElement { reader, _ in array.append(try value(&reader)) }
            return array
        case .string: return try reader.readString()
        case .number: return try reader.readNumber()
        case .boolean: return try reader.readBool()
        case .null:
            try reader.skipValue()
            return NSNull()
        }
    }

    static func json(_ name: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    /// pairs.jsonl as `ScoringExamples`.
    static func pairs() throws -> ScoringExamples {
        var examples = ScoringExamples()
        for row in try jsonLines("pairs.jsonl") {
            let references = (row["references"] as? [Any])?.map { $0 as! String } ?? [row["references"] as! String]
            try examples.append(id: row["id"] as! String, prediction: row["prediction"] as! String, references: references)
        }
        return examples
    }
}
