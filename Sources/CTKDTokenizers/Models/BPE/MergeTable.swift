/// BPE merges as an open-addressing hash map from an id pair to (rank, new id).
///
/// Built once and then only read, from many threads at once; the storage is a raw allocation so
/// that lookups in the merge loop pay no bounds, exclusivity or copy-on-write checks.
public final class MergeTable: @unchecked Sendable {
    /// key = left << 32 | right; value = rank << 32 | newID. Empty slots hold `emptyKey`.
    private let keys: UnsafeMutablePointer<UInt64>
    private let values: UnsafeMutablePointer<UInt64>
    private let mask: Int
    public let count: Int
    static let emptyKey = UInt64.max

    /// `merges[rank] = (left, right, newID)`; a pair listed twice keeps its last rank, as in HF
    /// (which collects the list into a hash map).
    public init(_ merges: [(left: Int, right: Int, newID: Int)]) {
        var capacity = 16
        while capacity < merges.count * 2 { capacity <<= 1 }
        keys = .allocate(capacity: capacity)
        keys.initialize(repeating: Self.emptyKey, count: capacity)
        values = .allocate(capacity: capacity)
        values.initialize(repeating: 0, count: capacity)
        mask = capacity - 1
        var stored = 0
        for (rank, merge) in merges.enumerated() {
            let key = UInt64(merge.left) << 32 | UInt64(merge.right)
            var slot = Self.slot(key) & mask
            while keys[slot] != Self.emptyKey && keys[slot] != key { slot = (slot + 1) & mask }
            if keys[slot] != key { stored += 1 }
            keys[slot] = key
            values[slot] = UInt64(rank) << 32 | UInt64(merge.newID)
        }
        count = stored
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    @inline(__always)
    static func slot(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 29)
    }

    /// rank << 32 | newID for the pair, or `UInt64.max` when the pair does not merge.
    @inline(__always)
    public func lookup(_ left: Int32, _ right: Int32) -> UInt64 {
        let key = UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
        var slot = Self.slot(key) & mask
        while true {
            let k = keys[slot]
            if k == key { return values[slot] }
            if k == Self.emptyKey { return UInt64.max }
            slot = (slot + 1) & mask
        }
    }
}
