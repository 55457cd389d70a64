import CTKDCore
import Testing
@testable import CTKDTokenizers

/// decode(encode(x)) == x and offsets that tile the input, on random byte strings (invalid
/// UTF-8, cut characters, white-space runs, text from the sample).
@Suite struct RoundTripPropertyTests {
    /// Random bytes of four kinds spliced together; no "<" so no added token can appear.
    static func randomInput(_ rng: inout SeededRandom) -> [UInt8] {
        var out: [UInt8] = []
        let sample = Fixtures.documents.flatMap { $0 }
        for _ in 0..<(1 + rng.nextInt(below: 6)) {
            switch rng.nextInt(below: 4) {
            case 0: out += (0..<rng.nextInt(below: 24)).map { _ in UInt8(rng.nextInt(below: 256)) }
            case 1:
                let start = rng.nextInt(below: sample.count - 80)
                out += sample[start..<(start + 1 + rng.nextInt(below: 79))]  // may cut a character
            case 2: out += (0..<rng.nextInt(below: 8)).map { _ in [0x20, 0x09, 0x0A, 0x0D, 0x20, 0x20][rng.nextInt(below: 6)] }
            default:
                let scalar = UInt32(rng.nextInt(below: 0x30000))
                if let s = Unicode.Scalar(scalar) { out += Array(String(s).utf8) }
            }
        }
        return out.filter { $0 != UInt8(ascii: "<") }
    }

    @Test(arguments: ["gpt2", "mistral_legacy", "trained_bytelevel_1000", "trained_llama3_2000", "trained_sentencepiece_1000"])
    func roundTripsRandomBytes(_ name: String) throws {
        let tokenizer = try Fixtures.tokenizer(name)
        let prependsSpace = !tokenizer.model.byteLevel
        var rng = SeededRandom(seed: 0x5EED)
        for _ in 0..<400 {
            let input = Self.randomInput(&rng)
            let encoding = tokenizer.encode(bytes: input)
            try #require(tokenizer.decodeBytes(encoding.ids) == input, "\(name): \(input)")
            // The spans tile the input, and each token's bytes are the bytes it covers.
            var position = 0
            for (index, (id, span)) in zip(encoding.ids, encoding.offsets).enumerated() {
                #expect(span.lowerBound == position)
                position = span.upperBound
                let covered = Array(input[span])
                let expected = index == 0 && prependsSpace ? [0x20] + covered : covered
                #expect(tokenizer.tokenBytes(id) == expected, "\(name): token \(index) of \(input)")
            }
            #expect(position == input.count)
        }
    }

    @Test func batchEncodingEqualsOneByOne() throws {
        let tokenizer = try Fixtures.tokenizer("trained_bytelevel_4000")
        let batch = tokenizer.encodeBatch(Fixtures.documents)
        #expect(batch == Fixtures.documents.map { tokenizer.encode(bytes: $0) })
    }
}
