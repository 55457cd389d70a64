/// The cache's token order: token ids ranked by how often they occur in the dataset's texts
/// (ties: smaller id first), ids never seen after them in id order. Parts store ranks instead of
/// ids, so the tokens a teacher proposes most often are the cheapest to store.
///
/// The ranking is a bijection of all non-negative ids: rank(id) for a seen id is its place in
/// `seen`; an unseen id u ranks `seen.count + u − (seen ids below u)`.
///
///     let order = TokenOrder(counts: [7: 10, 3: 10, 9: 1])     // seen: [3, 7, 9]
///     order.rank(of: 7)  // 1;   order.rank(of: 0)  // 3;   order.id(ofRank: 4)  // 1
public final class TokenOrder: @unchecked Sendable {
    // @unchecked: immutable after init.
    /// Ids that occur in the texts, most frequent first.
    public let seen: [Int32]
    let sortedSeen: [Int32]
    /// Dense lookups for ids and ranks below `denseLimit`; the formula covers the rest.
    let rankOfID: [Int32]
    let idOfRank: [Int32]

    public init(seen: [Int32], vocabularySize: Int = 0) {
        self.seen = seen
        sortedSeen = seen.sorted()
        precondition(zip(sortedSeen, sortedSeen.dropFirst()).allSatisfy { $0 < $1 } && (sortedSeen.first ?? 0) >= 0,
                     "token order: ids must be distinct and non-negative")
        let limit = max(vocabularySize, Int(sortedSeen.last ?? -1) + 1)
        var rankOfID = [Int32](repeating: -1, count: limit)
        for (rank, id) in seen.enumerated() { rankOfID[Int(id)] = Int32(rank) }
        var next = Int32(seen.count)
        for id in 0..<limit where rankOfID[id] < 0 {
            rankOfID[id] = next
            next += 1
        }
        var idOfRank = [Int32](repeating: 0, count: limit)
        for (id, rank) in rankOfID.enumerated() { idOfRank[Int(rank)] = Int32(id) }
        self.rankOfID = rankOfID
        self.idOfRank = idOfRank
    }

    /// Ranks from occurrence counts: most frequent first, ties by id.
    public convenience init(counts: [Int32: Int], vocabularySize: Int = 0) {
        let seen = counts.keys.sorted { (counts[$0]!, $1) > (counts[$1]!, $0) }
        self.init(seen: seen, vocabularySize: vocabularySize)
    }

    @inline(__always)
    public func rank(of id: Int32) -> Int {
        // Beyond the dense limit every seen id lies below: ranks equal ids there.
        Int(id) < rankOfID.count ? Int(rankOfID[Int(id)]) : Int(id)
    }

    /// Calls `body` with a function from rank to id that reads the dense table through a
    /// pointer (decoders' inner loops).
    @inline(__always)
    public func withIDLookup<T>(_ body: ((Int) -> Int32) throws -> T) rethrows -> T {
        try idOfRank.withUnsafeBufferPointer { table in
            try body { rank in rank < table.count ? table[rank] : Int32(truncatingIfNeeded: rank) }
        }
    }

    @inline(__always)
    public func id(ofRank rank: Int) -> Int32 {
        rank < idOfRank.count ? idOfRank[rank] : Int32(truncatingIfNeeded: rank)
    }

    /// `seen` as varints (the `token_order` codebook entry).
    public var serialized: [UInt8] {
        var writer = ByteWriter(capacity: 3 * seen.count + 8)
        writer.varint(seen.count)
        for id in seen { writer.varint(Int(id)) }
        return writer.bytes
    }

    public static func deserialize(_ bytes: UnsafeRawBufferPointer, vocabularySize: Int = 0) throws -> TokenOrder {
        var reader = ByteReader(bytes)
        let count = try reader.count(max: bytes.count, "token order length")
        var seen = [Int32](), present = Set<Int32>()
        seen.reserveCapacity(count)
        for _ in 0..<count {
            let id = Int32(try reader.count(max: Int(Int32.max), "token id"))
            guard present.insert(id).inserted else { throw CacheFormatError("token order lists id \(id) twice") }
            seen.append(id)
        }
        try reader.expectEnd("token order")
        return TokenOrder(seen: seen, vocabularySize: vocabularySize)
    }
}
