import CTKDCore

/// The metadata of a shard (schemas/README.md, "Metadata keys"): what produced it, as text.
public struct CacheMetadata: Sendable, Equatable {
    public var values: [String: String]

    public init(_ values: [String: String] = [:]) { self.values = values }

    public subscript(key: String) -> String? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// Keys that describe a shard's progress or its place among shards, not what the cache holds.
    public static let progressKeys: Set<String> = ["complete", "completed_examples", "shard_index", "ctkd_version"]

    /// Differences in the keys that define the cache's content, one line per key, naming both values.
    public func differences(from other: CacheMetadata, ignoring ignored: Set<String> = progressKeys) -> [String] {
        let keys = Set(values.keys).union(other.values.keys).subtracting(ignored).sorted()
        return keys.compactMap { key in
            let mine = values[key], theirs = other.values[key]
            guard mine != theirs else { return nil }
            return "\(key): existing \(CacheMetadata.show(theirs)), requested \(CacheMetadata.show(mine))"
        }
    }

    static func show(_ value: String?) -> String {
        guard let value else { return "(absent)" }
        return value.count > 80 ? "\"\(value.prefix(77))...\"" : "\"\(value)\""
    }

    public func integer(_ key: String) throws -> Int {
        guard let text = values[key], let value = Int(text) else { throw CacheFormatError("metadata key \"\(key)\" is missing or not an integer") }
        return value
    }

    /// The keys every shard has, whatever produced it.
    public static func common(source: String, codec: CodecParameters) -> CacheMetadata {
        CacheMetadata(["format": "ctkd-cache", "schema_version": String(Shard.schemaVersion),
                       "ctkd_version": CTKDVersion.string, "source": source, "codec": codec.json])
    }

    public var codec: CodecParameters {
        get throws { try CodecParameters.parse(values["codec"] ?? "") }
    }
}

/// `shard-00000-of-00002.sqlite`: shard i of n.
public struct ShardName: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) {
        precondition(count >= 1 && index >= 0 && index < count)
        self.index = index
        self.count = count
    }

    public var fileName: String { "shard-\(ShardName.pad(index))-of-\(ShardName.pad(count)).sqlite" }
    public var description: String { "\(index)/\(count)" }

    static func pad(_ value: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, 5 - text.count)) + text
    }

    public init?(fileName: String) {
        guard fileName.hasPrefix("shard-"), fileName.hasSuffix(".sqlite") else { return nil }
        let core = fileName.dropFirst(6).dropLast(7).split(separator: "-")
        guard core.count == 3, core[1] == "of", let index = Int(core[0]), let count = Int(core[2]),
              count >= 1, index >= 0, index < count else { return nil }
        self.init(index: index, count: count)
    }

    /// Parses `i/n` as given to `--shard`.
    public static func parse(_ text: String) throws -> ShardName {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, index >= 0, index < count else {
            throw CTKDError("expected i/n with 0 <= i < n, got \"\(text)\"", field: "--shard")
        }
        return ShardName(index: index, count: count)
    }

    /// Example assignment: by example index modulo n. Balanced to within one example, interleaved
    /// (so a dataset sorted by length does not make one shard slow), and independent of content.
    public func owns(exampleIndex: Int) -> Bool { exampleIndex % count == index }
}
