import Testing
import CTKDCore
@testable import CTKDCache

@Suite struct CodecTests {
    /// A random log-softmax row: Gaussian logits × scale.
    static func row(_ random: inout SeededRandom, width: Int, scale: Double) -> [Float] {
        let logits = (0..<width).map { _ in scale * random.nextGaussian() }
        let maximum = logits.max()!
        let normaliser = maximum + log(logits.reduce(0) { $0 + exp($1 - maximum) })
        return logits.map { Float($0 - normaliser) }
    }

    /// A codec whose token order ranks the first `seen` ids in a shuffled order (so ranks differ from ids).
    static func codec(seen: Int = 500, seed: UInt64 = 9) -> CacheCodec {
        var random = SeededRandom(seed: seed)
        var ids = (0..<Int32(seen)).map { $0 }
        for index in stride(from: ids.count - 1, to: 0, by: -1) { ids.swapAt(index, random.nextInt(below: index + 1)) }
        return try! CacheCodec(parameters: CodecParameters(), tokenOrder: TokenOrder(seen: ids))
    }

    /// Entries per position keyed by id, for comparisons that ignore the stored order.
    static func entries(_ targets: TopKTargets, _ position: Int) -> [Int32: Float] {
        var result = [Int32: Float]()
        for index in (position * targets.k)..<((position + 1) * targets.k) { result[targets.ids[index]] = targets.logProbs[index] }
        return result
    }

    static func topK(_ rows: [[Float]], k: Int) -> TopKTargets {
        var ids = [Int32](), logProbs = [Float](), tails = [Float]()
        for row in rows {
            tails.append(row.withUnsafeBufferPointer { TargetExtraction.topK($0, k: k, ids: &ids, logProbs: &logProbs) })
        }
        return TopKTargets(k: k, ids: ids, logProbs: logProbs, tailMass: tails)
    }

    @Test func topKRoundTripKeepsIdsAndBoundsTheQuantisationKL() throws {
        var random = SeededRandom(seed: 1)
        let codec = CodecTests.codec()
        for scale in [0.5, 2.0, 4.0, 8.0] {
            let rows = (0..<50).map { _ in CodecTests.row(&random, width: 2000, scale: scale) }
            let original = CodecTests.topK(rows, k: 64)
            let payload = TopKCodec.encode(original, codec: codec)
            let decoded = try payload.withUnsafeBytes { try TopKCodec.decode($0, codec: codec, expectedPositions: 50) }
            for position in 0..<50 {
                #expect(Set(CodecTests.entries(decoded, position).keys) == Set(CodecTests.entries(original, position).keys))
                // Stored in ascending token rank.
                let ranks = (0..<64).map { codec.tokenOrder.rank(of: decoded.ids[position * 64 + $0]) }
                #expect(ranks == ranks.sorted())
                #expect(abs(decoded.tailMass[position] - original.tailMass[position]) <= original.tailMass[position] / 100)
            }
            for position in 0..<50 {
                let mass = (0..<64).reduce(0.0) { $0 + exp(Double(decoded.logProbs[position * 64 + $1])) }
                #expect(abs(mass + Double(decoded.tailMass[position]) - 1) < 1e-4)
            }
            let kl = TopKCodec.quantisationKL(original: original, decoded: decoded)
            // Steps of 1/20 nat at the top growing as e^(0.35 d): ~p·step²/24 per entry. The mean
            // is the cache's figure (target 1e-3); single positions of these random rows reach ~1e-3.
            let mean = kl.reduce(0, +) / Double(kl.count)
            #expect(mean < 7e-4 && kl.allSatisfy { $0 >= -1e-7 && $0 < 1.5e-3 }, "scale \(scale): mean KL \(mean), max \(kl.max()!)")
        }
    }

    @Test func topKSelectionMatchesSorting() {
        var random = SeededRandom(seed: 2)
        let row = CodecTests.row(&random, width: 500, scale: 3)
        var ids = [Int32](), logProbs = [Float]()
        let tail = row.withUnsafeBufferPointer { TargetExtraction.topK($0, k: 10, ids: &ids, logProbs: &logProbs) }
        let expected = row.indices.sorted { row[$0] > row[$1] }.prefix(10).sorted()
        #expect(ids == expected.map { Int32($0) })
        let rest = row.indices.filter { !expected.contains($0) }.reduce(0.0) { $0 + exp(Double(row[$1])) }
        #expect(abs(Double(tail) - rest) < 1e-5)
    }

    @Test func sampledTargetsRoundTripAndFollowTheDistribution() throws {
        var random = SeededRandom(seed: 3)
        let row = CodecTests.row(&random, width: 50, scale: 1)
        var ids = [Int32](), counts = [Int32](), offsets: [Int32] = [0]
        var draws = SeededRandom(seed: 4)
        for _ in 0..<400 {
            row.withUnsafeBufferPointer { TargetExtraction.sample($0, count: 50, random: &draws, ids: &ids, counts: &counts) }
            offsets.append(Int32(ids.count))
        }
        let original = SampledTargets(sampleCount: 50, offsets: offsets, ids: ids, counts: counts)
        let codec = CodecTests.codec(seen: 30)
        let decoded = try SampledCodec.encode(original, codec: codec).withUnsafeBytes { try SampledCodec.decode($0, codec: codec, expectedPositions: 400) }
        #expect(decoded.offsets == original.offsets)
        for position in 0..<400 {
            func pairs(_ targets: SampledTargets) -> [Int32: Int32] {
                let range = Int(targets.offsets[position])..<Int(targets.offsets[position + 1])
                return Dictionary(uniqueKeysWithValues: range.map { (targets.ids[$0], targets.counts[$0]) })
            }
            #expect(pairs(decoded) == pairs(original))
        }
        // 20,000 draws: each token's frequency is within 5 standard errors of its probability.
        var frequency = [Double](repeating: 0, count: 50)
        for (id, count) in zip(ids, counts) { frequency[Int(id)] += Double(count) / 20_000 }
        for id in 0..<50 {
            let p = exp(Double(row[id]))
            #expect(abs(frequency[id] - p) < 5 * (p * (1 - p) / 20_000).squareRoot() + 1e-4)
        }
    }

    @Test func tokensRoundTrip() throws {
        let tokens = TeacherTokens(ids: [5, 300, 70_000, 2, 499, 1 << 30], byteEnds: [1, 4, 4, 9, 12, 40])
        let codec = CodecTests.codec()
        let decoded = try TokenCodec.encode(tokens, codec: codec).withUnsafeBytes {
            try TokenCodec.decode($0, codec: codec, expectedPositions: 6, responseBytes: 40)
        }
        #expect(decoded == tokens)
    }

    @Test func byteDistributionsRoundTripWithBoundedError() throws {
        var random = SeededRandom(seed: 5)
        let response = Array("hello there".utf8)
        var dense = [Float]()
        for offset in 0...response.count {
            // Peaked like a language model's next byte: most mass on the true symbol.
            var logits = (0..<257).map { _ in Float(2 * random.nextGaussian()) }
            logits[offset < response.count ? Int(response[offset]) : 256] += 6
            let maximum = logits.max()!
            let weights = logits.map { expf($0 - maximum) }
            let total = weights.reduce(0, +)
            dense += weights.map { $0 / total }
        }
        let settings = ByteDistributionCodec.Settings()
        let sparse = ByteDistributionCodec.sparsify(dense, settings: settings)
        let decoded = try ByteDistributionCodec.encode(sparse, response: response, settings: settings).withUnsafeBytes {
            try ByteDistributionCodec.decode($0, response: response, settings: settings)
        }
        #expect(decoded.symbols == sparse.symbols)
        for offset in 0...response.count {
            #expect(abs(decoded.dense(at: offset).reduce(0, +) - 1) < 1e-3)
        }
        let kl = ByteDistributionCodec.reconstructionKL(original: dense, decoded: decoded)
        // The sparse form spreads the remainder evenly; on this deliberately noisy tail the error is
        // a few hundredths of a nat at worst (`cache stats` reports it for real caches).
        #expect(kl.allSatisfy { $0 < 0.1 }, "max KL \(kl.max()!)")
        // With room for every symbol, only the quantisation remains.
        let full = ByteDistributionCodec.Settings(maxSymbols: 255, remainderTolerance: 0)
        let fullDecoded = try ByteDistributionCodec.encode(ByteDistributionCodec.sparsify(dense, settings: full), response: response, settings: full)
            .withUnsafeBytes { try ByteDistributionCodec.decode($0, response: response, settings: full) }
        #expect(ByteDistributionCodec.reconstructionKL(original: dense, decoded: fullDecoded).allSatisfy { $0 < 1e-3 })
    }

    @Test func damagedPayloadsThrowInsteadOfCrashing() {
        var random = SeededRandom(seed: 6)
        let rows = (0..<4).map { _ in CodecTests.row(&random, width: 300, scale: 2) }
        let codec = CodecTests.codec()
        let payload = TopKCodec.encode(CodecTests.topK(rows, k: 8), codec: codec)
        for cut in [0, 1, 5, payload.count / 2, payload.count - 1] {
            #expect(throws: CacheFormatError.self) {
                try Array(payload.prefix(cut)).withUnsafeBytes { try TopKCodec.decode($0, codec: codec, expectedPositions: 4) }
            }
        }
        // A changed byte never crashes the decoder. In the rANS words it almost always leaves the
        // state off its end value; in the raw-bit stream it can change a gap's low bits and still
        // decode — stored rows are guarded by the row checksum, verified before any decode.
        var failures = 0
        for offset in 2..<payload.count {
            var damaged = payload
            damaged[offset] ^= 0x5A
            if (try? damaged.withUnsafeBytes { try TopKCodec.decode($0, codec: codec, expectedPositions: 4) }) == nil { failures += 1 }
        }
        #expect(failures * 2 >= payload.count - 2, "\(failures) of \(payload.count - 2) damaged streams failed")
    }

    @Test func varintsRoundTrip() throws {
        var writer = ByteWriter()
        let values: [UInt64] = [0, 1, 127, 128, 300, 1 << 35, .max]
        for value in values { writer.varint(value) }
        try writer.bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            for value in values { #expect(try reader.varint() == value) }
            try reader.expectEnd("test")
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
