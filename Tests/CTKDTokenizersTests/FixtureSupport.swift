import CTKDCore
import CTKDTestSupport
@testable import CTKDTokenizers

/// The HF reference fixtures under Tests/Fixtures/tokenizers (see make_fixtures.py).
enum Fixtures {
    static let separator = Array("\u{0C}\n".utf8)

    /// The sample documents (sample.txt split at "\f\n").
    static let documents: [[UInt8]] = {
        let bytes = try! FileIO.read(TestSupport.fixture("tokenizers/sample.txt"))
        var documents: [[UInt8]] = []
        var start = 0, i = 0
        while i + 1 < bytes.count {
            if bytes[i] == separator[0] && bytes[i + 1] == separator[1] {
                documents.append(Array(bytes[start..<i]))
                i += 2
                start = i
            } else {
                i += 1
            }
        }
        documents.append(Array(bytes[start...]))
        return documents
    }()

    static func tokenizer(_ name: String) throws -> Tokenizer {
        if name == "gpt2" {
            return try Tokenizer.gpt2(encoderPath: TestSupport.fixture("tokenizers/gpt2/encoder.json"),
                                      mergesPath: TestSupport.fixture("tokenizers/gpt2/vocab.bpe"))
        }
        return try Tokenizer(contentsOf: TestSupport.fixture("tokenizers/\(name)/tokenizer.json"))
    }

    /// The lines of a .jsonl fixture, parsed.
    static func jsonLines(_ relative: String) throws -> [JSONValue] {
        let bytes = try FileIO.read(TestSupport.fixture(relative))
        return try bytes.split(separator: 0x0A).map { try JSONValue(parsing: Array($0)) }
    }

    static func ints(_ value: JSONValue?) -> [Int] { (value?.arrayValue ?? []).map { $0.intValue! } }

    static func spans(_ value: JSONValue?) -> [ByteSpan] {
        (value?.arrayValue ?? []).map { pair in
            let p = pair.arrayValue!
            return p[0].intValue!..<p[1].intValue!
        }
    }

    static let all = ["gpt2", "anthropic", "mistral_legacy", "mistral_metaspace", "trained_bytelevel_1000",
                      "trained_bytelevel_4000", "trained_llama3_2000", "trained_sentencepiece_1000"]
}
