import CTKDCore

/// Reads a cache directory (all its shards) as one cache. It sees committed examples only, so it
/// can read while teacher processes are still writing; every row's checksum is verified before
/// it is decoded, so damaged data is an error, never a silent wrong value.
///
///     let cache = try CacheReader(directory: "cache")
///     for index in try cache.exampleIndices() { let record = try cache.record(index: index) }
public final class CacheReader {
    public let directory: String
    public let shards: [ShardName: Shard]
    /// The metadata of the first shard (all shards agree on the content keys).
    public let metadata: CacheMetadata
    let codec: RowCodec

    public init(directory: String) throws {
        guard FileIO.isDirectory(directory) else { throw CTKDError("is not a cache directory", file: directory) }
        var shards = [ShardName: Shard]()
        for file in try FileIO.list(directory) {
            guard let name = ShardName(fileName: file) else { continue }
            shards[name] = try Shard(readingAt: directory + "/" + file)
        }
        guard let first = shards.keys.sorted(by: { $0.index < $1.index }).first else {
            throw CTKDError("holds no shard files (shard-*-of-*.sqlite)", file: directory)
        }
        let metadata = try shards[first]!.readMetadata()
        for (name, shard) in shards where name != first {
            let differences = try shard.readMetadata().differences(from: metadata, ignoring: CacheMetadata.progressKeys)
            guard differences.isEmpty else {
                throw CTKDError("shards \(first.fileName) and \(name.fileName) were made with different settings:\n  "
                                + differences.joined(separator: "\n  "), file: directory)
            }
        }
        self.directory = directory
        self.shards = shards
        self.metadata = metadata
        codec = RowCodec(parameters: try metadata.codec)
    }

    public var shardCount: Int { (try? metadata.integer("shard_count")) ?? shards.count }

    /// True when every shard of the split exists and has finished its run.
    public func isComplete() throws -> Bool {
        guard shards.count == shardCount else { return false }
        for shard in shards.values where try shard.readMetadata()["complete"] != "true" { return false }
        return true
    }

    /// Committed example indices over all shards, ascending.
    public func exampleIndices() throws -> [Int] {
        try shards.values.flatMap { try $0.committedIndices() }.sorted()
    }

    func shard(owning index: Int) -> Shard? {
        shards[ShardName(index: index % shardCount, count: shardCount)]
    }

    public func record(index: Int) throws -> CacheRecord? {
        guard let shard = shard(owning: index) else { return nil }
        var result: CacheRecord?
        try shard.forEachRow(where: "example_index = ?", [.integer(Int64(index))]) { result = try decode($0, shard) }
        return result
    }

    public func record(id: String) throws -> CacheRecord? {
        for shard in shards.values.sorted(by: { $0.path < $1.path }) {
            var result: CacheRecord?
            try shard.forEachRow(where: "id = ?", [.text(id)]) { result = try decode($0, shard) }
            if let result { return result }
        }
        return nil
    }

    /// Every committed record of every shard, shard by shard (each in example order).
    public func forEachRecord(_ body: (CacheRecord) throws -> Void) throws {
        for name in shards.keys.sorted(by: { $0.index < $1.index }) {
            let shard = shards[name]!
            try shard.forEachRow { try body(try decode($0, shard)) }
        }
    }

    /// Every committed row undecoded (for statistics of stored sizes).
    public func forEachRow(_ body: (EncodedRow) throws -> Void) throws {
        for name in shards.keys.sorted(by: { $0.index < $1.index }) { try shards[name]!.forEachRow(where: nil, [], body) }
    }

    func decode(_ row: EncodedRow, _ shard: Shard) throws -> CacheRecord {
        do {
            return try codec.decode(row)
        } catch let error as CacheFormatError {
            throw CTKDError(error.message, file: shard.path)
        }
    }

    /// Follow mode: calls `body` with each newly committed record (in example order per poll)
    /// until every shard is complete, polling every `interval` seconds.
    public func follow(interval: Double = 1, _ body: (CacheRecord) throws -> Void) throws {
        var seen = Set<Int>()
        while true {
            let complete = try isComplete()   // read before the rows: nothing can be missed
            for index in try exampleIndices() where !seen.contains(index) {
                if let record = try record(index: index) { try body(record) }
                seen.insert(index)
            }
            if complete { return }
            usleep(UInt32(interval * 1_000_000))
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
