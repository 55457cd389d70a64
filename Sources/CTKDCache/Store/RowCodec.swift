import CTKDCore

/// A record as stored, owning its bytes (what a writer inserts).
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

    /// The row as a view (what readers decode from).
    public func withView<T>(_ body: (RowView) throws -> T) rethrows -> T {
        func optional<R>(_ blob: [UInt8]?, _ inner: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
            guard let blob else { return try inner(nil) }
            return try blob.withUnsafeBytes { try inner($0) }
        }
        return try tokens.withUnsafeBytes { tokens in
            try optional(topK) { topK in
                try optional(sampled) { sampled in
                    try optional(bytes) { bytes in
                        try body(RowView(exampleIndex: exampleIndex, id: id, prompt: prompt, response: response, positions: positions,
                                         responseBytes: responseBytes, tokens: tokens, topK: topK, sampled: sampled, bytes: bytes,
                                         statistics: statistics, checksum: checksum))
                    }
                }
            }
        }
    }
}

/// A stored row whose blobs point into memory owned elsewhere (SQLite's, while a statement is
/// on the row): readers decode from it without copying.
public struct RowView {
    public var exampleIndex: Int
    public var id: String
    public var prompt: String
    public var response: String
    public var positions: Int
    public var responseBytes: Int
    public var tokens: UnsafeRawBufferPointer
    public var topK: UnsafeRawBufferPointer?
    public var sampled: UnsafeRawBufferPointer?
    public var bytes: UnsafeRawBufferPointer?
    public var statistics: RecordStatistics
    public var checksum: UInt64
}

/// Which parts of a record to decode: a reader that needs only top-k skips the rest.
public struct CacheParts: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let topK = CacheParts(rawValue: 1)
    public static let sampled = CacheParts(rawValue: 2)
    public static let bytes = CacheParts(rawValue: 4)
    public static let all: CacheParts = [.topK, .sampled, .bytes]
}

/// Encodes records into rows and decodes rows into records, checking the checksum first.
/// One coder per thread (it owns a zstd context and a scratch buffer).
public final class RowCodec {
    public let codec: CacheCodec
    let compressor: ZstdCompressor
    let decompressor = ZstdDecompressor()
    var scratch = ByteWriter(capacity: 4096)

    public init(codec: CacheCodec) {
        self.codec = codec
        compressor = ZstdCompressor(level: codec.parameters.zstdLevel)
    }

    public var parameters: CodecParameters { codec.parameters }

    public func encode(_ record: CacheRecord) -> EncodedRow {
        let responseBytes = Array(record.response.utf8)
        var row = EncodedRow(
            exampleIndex: record.exampleIndex, id: record.id, prompt: record.prompt, response: record.response,
            positions: record.positions, responseBytes: responseBytes.count,
            tokens: TokenCodec.encode(record.tokens, codec: codec),
            topK: record.topK.map { TopKCodec.encode($0, codec: codec) },
            sampled: record.sampled.map { SampledCodec.encode($0, codec: codec) },
            bytes: record.bytes.map { compressor.compress(ByteDistributionCodec.encode($0, response: responseBytes, settings: parameters.bytes)) },
            statistics: record.statistics)
        row.checksum = row.withView { checksum($0) }
        return row
    }

    public func decode(_ row: EncodedRow, parts: CacheParts = .all) throws -> CacheRecord {
        try row.withView { try decode($0, parts: parts) }
    }

    /// Decodes a row after verifying its checksum; parts not in `parts` are left nil.
    public func decode(_ row: RowView, parts: CacheParts = .all) throws -> CacheRecord {
        guard checksum(row) == row.checksum else {
            throw CacheFormatError("example \(row.exampleIndex) (\(row.id)): checksum mismatch, the row is damaged")
        }
        guard row.response.utf8.count == row.responseBytes else { throw CacheFormatError("response length differs from the row's") }
        let tokens = try TokenCodec.decode(row.tokens, codec: codec, expectedPositions: row.positions, responseBytes: row.responseBytes)
        let topK = try row.topK.flatMap { parts.contains(.topK) ? try TopKCodec.decode($0, codec: codec, expectedPositions: row.positions) : nil }
        let sampled = try row.sampled.flatMap { parts.contains(.sampled) ? try SampledCodec.decode($0, codec: codec, expectedPositions: row.positions) : nil }
        let bytes = try row.bytes.flatMap { blob in
            parts.contains(.bytes)
                ? try decompressor.withDecompressed(blob) { try ByteDistributionCodec.decode($0, response: Array(row.response.utf8), settings: parameters.bytes) }
                : nil
        }
        return CacheRecord(exampleIndex: row.exampleIndex, id: row.id, prompt: row.prompt, response: row.response,
                           tokens: tokens, topK: topK, sampled: sampled, bytes: bytes, statistics: row.statistics)
    }

    /// XXH64 over the row's canonical bytes (schemas/README.md, "Row checksum"), built in a
    /// reused buffer.
    public func checksum(_ row: RowView) -> UInt64 {
        scratch.removeAll()
        scratch.uint64(UInt64(bitPattern: Int64(row.exampleIndex)))   // bit patterns: damaged rows may hold negatives
        for text in [row.id, row.prompt, row.response] {
            scratch.varint(text.utf8.count)
            scratch.append(text.utf8)
        }
        scratch.uint64(UInt64(bitPattern: Int64(row.positions)))
        scratch.uint64(UInt64(bitPattern: Int64(row.responseBytes)))
        for blob in [row.tokens, row.topK, row.sampled, row.bytes] {
            if let blob {
                scratch.byte(1)
                scratch.varint(blob.count)
                scratch.append(blob)
            } else {
                scratch.byte(0)
            }
        }
        let statistics = row.statistics
        for value in [statistics.topKKL, statistics.tailMass, statistics.byteKL] { scratch.uint64(value.bitPattern) }
        if let beamKL = statistics.beamKL { scratch.byte(1); scratch.uint64(beamKL.bitPattern) } else { scratch.byte(0) }
        scratch.uint64(UInt64(bitPattern: Int64(statistics.beamEvaluations)))
        return scratch.bytes.withUnsafeBytes { XXHash64.hash($0) }
    }
}
