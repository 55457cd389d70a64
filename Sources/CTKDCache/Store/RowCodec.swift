import CTKDCore

/// A record as stored: compressed parts and the row checksum.
public struct EncodedRow: Sendable {
    public var exampleIndex: Int
    public var id: String
    public var prompt: String
    public var response: String
    public var positions: Int
    public var responseBytes: Int
    public var tokens: [UInt8]
    public var topK: [UInt8]?
    public var sampled: [UInt8]?
    public var bytes: [UInt8]?
    public var statistics: RecordStatistics
    public var checksum: UInt64 = 0
}

/// Encodes records into rows and decodes rows into records, checking the checksum first.
/// One coder per thread (it owns zstd contexts).
public final class RowCodec {
    public let parameters: CodecParameters
    let compressor: ZstdCompressor
    let decompressor = ZstdDecompressor()

    public init(parameters: CodecParameters) {
        self.parameters = parameters
        compressor = ZstdCompressor(level: parameters.zstdLevel)
    }

    public func encode(_ record: CacheRecord) -> EncodedRow {
        let responseBytes = Array(record.response.utf8)
        var row = EncodedRow(
            exampleIndex: record.exampleIndex, id: record.id, prompt: record.prompt, response: record.response,
            positions: record.positions, responseBytes: responseBytes.count,
            tokens: compressor.compress(TokenCodec.encode(record.tokens)),
            topK: record.topK.map { compressor.compress(TopKCodec.encode($0, quantizer: parameters.topK)) },
            sampled: record.sampled.map { compressor.compress(SampledCodec.encode($0)) },
            bytes: record.bytes.map { compressor.compress(ByteDistributionCodec.encode($0, response: responseBytes, settings: parameters.bytes)) },
            statistics: record.statistics)
        row.checksum = RowCodec.checksum(row)
        return row
    }

    /// Decodes a row whose checksum has been verified.
    public func decode(_ row: EncodedRow) throws -> CacheRecord {
        guard RowCodec.checksum(row) == row.checksum else {
            throw CacheFormatError("example \(row.exampleIndex) (\(row.id)): checksum mismatch, the row is damaged")
        }
        let responseBytes = Array(row.response.utf8)
        guard responseBytes.count == row.responseBytes else { throw CacheFormatError("response length differs from the row's") }
        let tokens = try frame(row.tokens) { try TokenCodec.decode($0, expectedPositions: row.positions, responseBytes: row.responseBytes) }
        let topK = try row.topK.map { blob in
            try frame(blob) { try TopKCodec.decode($0, quantizer: parameters.topK, expectedPositions: row.positions) }
        }
        let sampled = try row.sampled.map { blob in
            try frame(blob) { try SampledCodec.decode($0, expectedPositions: row.positions) }
        }
        let bytes = try row.bytes.map { blob in
            try frame(blob) { try ByteDistributionCodec.decode($0, response: responseBytes, settings: parameters.bytes) }
        }
        return CacheRecord(exampleIndex: row.exampleIndex, id: row.id, prompt: row.prompt, response: row.response,
                           tokens: tokens, topK: topK, sampled: sampled, bytes: bytes, statistics: row.statistics)
    }

    func frame<T>(_ blob: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        try blob.withUnsafeBytes { raw in try decompressor.withDecompressed(raw, body) }
    }

    /// XXH64 over the row's canonical bytes (schemas/README.md, "Row checksum").
    public static func checksum(_ row: EncodedRow) -> UInt64 {
        var out = ByteWriter(capacity: 64 + row.tokens.count + (row.topK?.count ?? 0) + (row.bytes?.count ?? 0))
        out.uint64(UInt64(row.exampleIndex))
        for text in [row.id, row.prompt, row.response] {
            out.varint(text.utf8.count)
            out.append(Array(text.utf8))
        }
        out.uint64(UInt64(row.positions))
        out.uint64(UInt64(row.responseBytes))
        for blob in [row.tokens, row.topK, row.sampled, row.bytes] {
            if let blob {
                out.byte(1)
                out.varint(blob.count)
                out.append(blob)
            } else {
                out.byte(0)
            }
        }
        let statistics = row.statistics
        for value in [statistics.topKKL, statistics.tailMass, statistics.byteKL] { out.uint64(value.bitPattern) }
        if let beamKL = statistics.beamKL { out.byte(1); out.uint64(beamKL.bitPattern) } else { out.byte(0) }
        out.uint64(UInt64(statistics.beamEvaluations))
        return XXHash64.hash(out.bytes)
    }
}
