import CTKDCore

/// Writes one shard of a cache: creates it with its metadata or, on a rerun, checks that the
/// metadata matches and reports what is already committed; commits examples in batches.
///
///     let writer = try ShardWriter(directory: "cache", shard: ShardName(index: 0, count: 2), metadata: metadata,
///                                  tokenOrder: order, vocabularySize: 49152)
///     let done = writer.committed                     // skip these on resume
///     try writer.commit(batch)                        // one BEGIN IMMEDIATE transaction
///     try writer.markComplete()
public final class ShardWriter {
    public let shard: Shard
    public let name: ShardName
    public let codec: RowCodec
    public private(set) var committed: Set<Int>

    /// `tokenOrder` is stored in the shard's codebook (its SHA-256 in the metadata, so a rerun
    /// with a different order is refused like any other difference).
    public init(directory: String, shard name: ShardName, metadata requested: CacheMetadata,
                tokenOrder: TokenOrder, vocabularySize: Int = 0) throws {
        try FileIO.createDirectory(directory)
        try ShardWriter.checkSiblings(directory: directory, name: name)
        let path = directory + "/" + name.fileName
        let shard = try Shard(writingAt: path)
        self.shard = shard
        self.name = name
        var metadata = requested
        metadata["shard_index"] = String(name.index)
        metadata["shard_count"] = String(name.count)
        let orderEntry = Shard.tokenOrderEntry(tokenOrder, vocabularySize: vocabularySize)
        metadata["token_order_sha256"] = SHA256.hex(orderEntry)
        let existing = try shard.readMetadata()
        if existing.values.isEmpty {
            try shard.database.transaction {
                try shard.writeMetadata(metadata)
                try shard.writeCodebook(name: "token_order", orderEntry)
            }
        } else {
            let differences = metadata.differences(from: existing)
            guard differences.isEmpty else {
                throw CTKDError("this cache was made with different settings; refusing to mix them:\n  "
                                + differences.joined(separator: "\n  ")
                                + "\nuse another --out directory, or delete this one to start over", file: path)
            }
        }
        codec = RowCodec(codec: try CacheCodec(parameters: try metadata.codec, tokenOrder: try shard.readTokenOrder(metadata: metadata)))
        committed = Set(try shard.committedIndices())
    }

    /// Other shard files in the directory must split the data the same way.
    static func checkSiblings(directory: String, name: ShardName) throws {
        for file in try FileIO.list(directory) {
            if let other = ShardName(fileName: file), other.count != name.count {
                throw CTKDError("holds \(file), a shard of a \(other.count)-way split; this run asks for --shard \(name) (a \(name.count)-way split)", file: directory)
            }
        }
    }

    /// Encodes and commits `records` in one transaction: after a crash either all of them are in
    /// the shard or none is.
    public func commit(_ records: [CacheRecord]) throws {
        let rows = records.map { codec.encode($0) }
        try shard.database.transaction { try shard.insert(rows) }
        for record in records { committed.insert(record.exampleIndex) }
    }

    /// Records that this shard's run finished with `count` examples; readers then know the shard
    /// will not grow.
    public func markComplete(examples count: Int) throws {
        try shard.database.transaction {
            try shard.writeMetadata(CacheMetadata(["complete": "true", "completed_examples": String(count)]))
        }
        try shard.database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }
}
