import CTKDCore
import CTKDTestSupport
import Testing
@testable import CTKDTokenizers

/// ctkd against HF `tokenizers` on ~25 kB of varied text, for real and trained tokenizers.
@Suite struct HuggingFaceParityTests {
    @Test(arguments: Fixtures.all)
    func encodesLikeHuggingFace(_ name: String) throws {
        let tokenizer = try Fixtures.tokenizer(name)
        let expected = try Fixtures.jsonLines("tokenizers/\(name)/expected.jsonl")
        let documents = Fixtures.documents
        try #require(expected.count == documents.count)
        var mismatches = 0
        for (document, record) in zip(documents, expected) {
            let encoding = tokenizer.encode(bytes: document)
            let ids = Fixtures.ints(record["ids"])
            let offsets = Fixtures.spans(record["offsets"])
            let hfOffsets = tokenizer.huggingFaceOffsets(encoding, input: document)
            if encoding.ids != ids || hfOffsets != offsets {
                mismatches += 1
                if mismatches <= 3 {
                    let text = String(decoding: document, as: UTF8.self)
                    let firstBad = zip(encoding.ids, ids).enumerated().first { $1.0 != $1.1 }?.offset
                        ?? zip(hfOffsets, offsets).enumerated().first { $1.0 != $1.1 }?.offset ?? min(encoding.count, ids.count)
                    Issue.record("""
                        \(name): \(text.prefix(60).debugDescription) differs at token \(firstBad): \
                        ctkd \(encoding.ids.dropFirst(max(0, firstBad - 2)).prefix(6)) \
                        \(hfOffsets.dropFirst(max(0, firstBad - 2)).prefix(6)) vs HF \
                        \(ids.dropFirst(max(0, firstBad - 2)).prefix(6)) \(offsets.dropFirst(max(0, firstBad - 2)).prefix(6))
                        """)
                }
            }
            if let special = record["ids_special"] {
                #expect(tokenizer.encode(bytes: document, addSpecialTokens: true).ids == Fixtures.ints(special))
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(documents.count) documents differ")
    }

    @Test(arguments: Fixtures.all)
    func decodesLikeHuggingFace(_ name: String) throws {
        let tokenizer = try Fixtures.tokenizer(name)
        var mismatches = 0
        for record in try Fixtures.jsonLines("tokenizers/\(name)/decode.jsonl") {
            let ids = Fixtures.ints(record["ids"])
            let text = tokenizer.decode(ids)
            let withSpecial = tokenizer.decode(ids, skipSpecialTokens: false)
            if text != record["text"]?.stringValue || withSpecial != record["text_with_special"]?.stringValue {
                mismatches += 1
                if mismatches <= 3 {
                    Issue.record("\(name): \(ids.prefix(8)): \(text.debugDescription) vs HF \(record["text"]!.stringValue!.debugDescription)")
                }
            }
        }
        #expect(mismatches == 0)
    }
}
