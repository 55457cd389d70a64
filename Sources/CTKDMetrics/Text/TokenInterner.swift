/// Gives each distinct token (a byte string) a small integer id, so that the metrics compare,
/// count and look up integers instead of strings.
///
///     var interner = TokenInterner()
///     let a = interner.intern(Array("cat".utf8))   // 0
///     let b = interner.intern(Array("cat".utf8))   // 0 again
///
/// Ids are dense (0, 1, 2, …), so per-token state can live in plain arrays indexed by id.
/// An interner is used by one thread; ids from two interners are not comparable.
struct TokenInterner {
    private var bytes: [UInt8] = []
    /// Token `id` is `bytes[starts[id]..<starts[id + 1]]`.
    private var starts: [Int] = [0]
    private var hashes: [UInt64] = []
    /// Open addressing, linear probing; each slot holds an id or -1.
    private var slots: [Int32] = Array(repeating: -1, count: 1024)

    var count: Int { hashes.count }

    mutating func intern(_ token: UnsafeBufferPointer<UInt8>) -> Int32 {
        let hash = Self.hash(token)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let id = slots[slot]
            if id < 0 { break }
            if hashes[Int(id)] == hash && equals(Int(id), token) { return id }
            slot = (slot + 1) & mask
        }
        let id = Int32(hashes.count)
        bytes.append(contentsOf: token)
        starts.append(bytes.count)
        hashes.append(hash)
        slots[slot] = id
        if hashes.count * 2 > slots.count { grow() }
        return id
    }

    mutating func intern(_ token: [UInt8]) -> Int32 {
        token.withUnsafeBufferPointer { intern($0) }
    }

    /// The bytes of token `id`.
    func token(_ id: Int32) -> ArraySlice<UInt8> {
        bytes[starts[Int(id)]..<starts[Int(id) + 1]]
    }

    private func equals(_ id: Int, _ token: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = starts[id]
        guard starts[id + 1] - start == token.count else { return false }
        for offset in 0..<token.count where bytes[start + offset] != token[offset] { return false }
        return true
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for id in hashes.indices {
            var slot = Int(truncatingIfNeeded: hashes[id]) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(id)
        }
    }

    /// FNV-1a, then a final mix so that the low bits used for the slot depend on every byte.
    @inline(__always)
    private static func hash(_ token: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in token { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        hash ^= hash >> 33
        hash = hash &* 0xFF51_AFD7_ED55_8CCD
        return hash ^ (hash >> 33)
    }
}
