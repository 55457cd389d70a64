import Foundation
import Testing
import CTKDCore
import CTKDTestSupport
@testable import CTKDCache

@Suite struct StoreTests {
    static func record(_ index: Int, _ random: inout SeededRandom) -> CacheRecord {
        let rows = (0..<5).map { _ in CodecTests.row(&random, width: 300, scale: 3) }
        let response = "résumé \(index)"
        let bytes = Array(response.utf8)
        var dense = [Float]()
        for offset in 0...bytes.count {
            var distribution = [Float](repeating: 0.2 / 256, count: 257)
            distribution[offset < bytes.count ? Int(bytes[offset]) : 256] += 0.8
            dense += distribution
        }
        return CacheRecord(
            exampleIndex: index, id: "e\(index)", prompt: "p \(index)", response: response,
            tokens: TeacherTokens(ids: [1, 2, 3, 4, 5], byteEnds: [2, 4, 6, 8, Int32(bytes.count)]),
            topK: CodecTests.topK(rows, k: 8), sampled: nil,
            bytes: ByteDistributionCodec.sparsify(dense, settings: .init()),
            statistics: RecordStatistics(topKKL: 0.001, tailMass: 0.5, byteKL: 0.01, beamKL: nil, beamEvaluations: 3))
    }

    static let order = TokenOrder(counts: [1: 5, 2: 4, 3: 3])

    static func writer(_ directory: String, _ name: ShardName) throws -> ShardWriter {
        try ShardWriter(directory: directory, shard: name, metadata: metadata(), tokenOrder: order, vocabularySize: 300)
    }

    static func codec() throws -> RowCodec {
        RowCodec(codec: try CacheCodec(parameters: CodecParameters(), tokenOrder: order))
    }

    static func metadata() -> CacheMetadata {
        CacheMetadata(["format": "ctkd-cache", "codec": CodecParameters().json, "dataset_examples": "6", "top_k": "8"])
    }

    @Test func writtenRecordsReadBackAcrossShardsInCommitOrder() throws {
        let directory = try TestSupport.temporaryDirectory()
        var random = SeededRandom(seed: 1)
        let records = (0..<6).map { StoreTests.record($0, &random) }
        let writers = try (0..<2).map { try StoreTests.writer(directory, ShardName(index: $0, count: 2)) }
        try writers[0].commit([records[0], records[2]])
        let reader = try CacheReader(directory: directory)
        #expect(try reader.exampleIndices() == [0, 2])   // committed only
        #expect(try !reader.isComplete())
        try writers[1].commit([records[1], records[3], records[5]])
        try writers[0].commit([records[4]])
        for writer in writers { try writer.markComplete(examples: 3) }
        #expect(try reader.exampleIndices() == [0, 1, 2, 3, 4, 5])
        #expect(try reader.isComplete())
        let codec = try StoreTests.codec()
        for record in records {
            let expected = try codec.decode(codec.encode(record))
            #expect(try reader.record(index: record.exampleIndex) == expected)
            #expect(try reader.record(id: record.id) == expected)
        }
        var followed = [Int]()
        try reader.follow(interval: 0.01) { followed.append($0.exampleIndex) }
        #expect(followed == [0, 1, 2, 3, 4, 5])
        #expect(CacheVerifier.verify(directory: directory).isValid)
    }

    @Test func readerNeverReturnsDamagedDataSilently() throws {
        let directory = try TestSupport.temporaryDirectory()
        var random = SeededRandom(seed: 2)
        let writer = try StoreTests.writer(directory, ShardName(index: 0, count: 1))
        let records = (0..<6).map { StoreTests.record($0, &random) }
        try writer.commit(records)
        try writer.markComplete(examples: 6)
        let path = directory + "/" + ShardName(index: 0, count: 1).fileName
        let original = try FileIO.read(path)
        let codec = try StoreTests.codec()
        let expected = try records.map { try codec.decode(codec.encode($0)) }
        var detected = 0, harmless = 0
        for _ in 0..<300 {
            var damaged = original
            let offset = random.nextInt(below: original.count)
            damaged[offset] ^= UInt8(1 + random.nextInt(below: 255))
            let copy = try TestSupport.temporaryDirectory()
            try AtomicFile.write(damaged, to: copy + "/" + ShardName(index: 0, count: 1).fileName)
            do {
                let reader = try CacheReader(directory: copy)
                var seen = [CacheRecord]()
                try reader.forEachRecord { seen.append($0) }
                // Whatever a reader returns without an error must be the original content.
                let intact = seen.allSatisfy { record in expected[record.exampleIndex] == record }
                #expect(intact, "byte \(offset) changed the decoded content")
                if seen.count == expected.count && intact { harmless += 1 } else { detected += 1 }
            } catch {
                detected += 1
            }
        }
        #expect(detected > 0)
    }

    @Test func schemaFileMatchesTheSchemaTheCodeCreates() throws {
        let file = try FileIO.readText(TestSupport.repositoryRoot + "/schemas/shard.sql")
        /// The SQL without comments, split into statements, white space collapsed.
        func statements(_ text: String) -> [String] {
            var code = [String]()
            for line in text.split(separator: "\n") {
                let withoutComment = line.components(separatedBy: "--")[0]
                code.append(withoutComment)
            }
            let joined: String = code.joined(separator: " ")
            var result = [String]()
            for statement in joined.split(separator: ";") {
                let words: [Substring] = statement.split(separator: " ")
                if !words.isEmpty { result.append(words.joined(separator: " ")) }
            }
            return result
        }
        #expect(statements(file) == statements(Shard.schema))
    }
}
