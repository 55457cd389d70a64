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
    /// Each shard's coder (shards of one cache normally share one token order, but each carries its own).
    let codecs: [ShardName: RowCodec]

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
        var codecs = [ShardName: RowCodec]()
        for (name, shard) in shards {
            let shardMetadata = try shard.readMetadata()
            do {
                codecs[name] = RowCodec(codec: try CacheCodec(parameters: try shardMetadata.codec, tokenOrder: try shard.readTokenOrder(metadata: shardMetadata)))
            } catch let error as CacheFormatError {
                throw CTKDError(error.message, file: shard.path)
            }
        }
        self.codecs = codecs
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

    public func record(index: Int, parts: CacheParts = .all) throws -> CacheRecord? {
        guard let name = owner(of: index), let shard = shards[name] else { return nil }
        var result: CacheRecord?
        try shard.forEachRow(where: "example_index = ?", [.integer(Int64(index))]) { result = try decode($0, name, parts) }
        return result
    }

    public func record(id: String, parts: CacheParts = .all) throws -> CacheRecord? {
        for name in shards.keys.sorted(by: { $0.index < $1.index }) {
            var result: CacheRecord?
            try shards[name]!.forEachRow(where: "id = ?", [.text(id)]) { result = try decode($0, name, parts) }
            if let result { return result }
        }
        return nil
    }

    /// Every committed record of every shard, shard by shard (each in example order), decoding
    /// only `parts` (tokens always).
    public func forEachRecord(parts: CacheParts = .all, _ body: (CacheRecord) throws -> Void) throws {
        for name in shards.keys.sorted(by: { $0.index < $1.index }) {
            try shards[name]!.forEachRow { try body(try decode($0, name, parts)) }
        }
    }

    /// Every committed row undecoded, with the shard it is in (for statistics of stored sizes).
    public func forEachRow(_ body: (RowView, ShardName) throws -> Void) throws {
        for name in shards.keys.sorted(by: { $0.index < $1.index }) { try shards[name]!.forEachRow { try body($0, name) } }
    }

    func owner(of index: Int) -> ShardName? {
        let name = ShardName(index: index % shardCount, count: shardCount)
        return shards[name] == nil ? nil : name
    }

    /// Decodes a row of shard `name`; format errors name the shard file.
    public func decode(_ row: RowView, _ name: ShardName, _ parts: CacheParts = .all) throws -> CacheRecord {
        do {
            return try codecs[name]!.decode(row, parts: parts)
        } catch let error as CacheFormatError {
            throw CTKDError(error.message, file: shards[name]!.path)
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
