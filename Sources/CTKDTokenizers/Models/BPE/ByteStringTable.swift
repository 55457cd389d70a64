/// A hash map from byte strings to a small payload of `Int32`s, stored in flat arenas: the
/// vocabulary lookup by bytes and the per-thread cache of tokenized words. Not thread-safe;
/// the cache is used by one thread at a time (see `WordCachePool`).
final class ByteStringTable {
    private var slots: [Int32]          // index into entries, -1 = empty
    private var hashes: [UInt64] = []
    private var keyStarts: [Int32] = []
    private var payloadStarts: [Int32] = []
    private var keyBytes: [UInt8] = []
    private var payload: [Int32] = []
    private var mask: Int
    let maximumEntries: Int

    init(expectedEntries: Int, maximumEntries: Int = Int.max) {
        var capacity = 64
        while capacity < expectedEntries * 2 { capacity <<= 1 }
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        self.maximumEntries = maximumEntries
        keyStarts.append(0)
        payloadStarts.append(0)
    }

    var count: Int { hashes.count }

    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ count: Int) -> UInt64 {
        var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(count)
        var i = 0
        while i + 8 <= count {
            let word = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            h = (h ^ word) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < count {
            tail |= UInt64(p[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x9E37_79B9_7F4A_7C15
        return h ^ (h >> 29)
    }

    /// The payload stored for the key, passed to `body`; nil when absent.
    @inline(__always)
    func withPayload<R>(_ p: UnsafePointer<UInt8>, _ count: Int, _ body: (UnsafeBufferPointer<Int32>) -> R) -> R? {
        let h = Self.hash(p, count)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = Int(slots[slot])
            if entry < 0 { return nil }
            if hashes[entry] == h {
                let ks = Int(keyStarts[entry]), ke = Int(keyStarts[entry + 1])
                if ke - ks == count && keyBytes.withUnsafeBufferPointer({ memcmp($0.baseAddress! + ks, p, count) == 0 }) {
                    let ps = Int(payloadStarts[entry]), pe = Int(payloadStarts[entry + 1])
                    return payload.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[ps..<pe])) }
                }
            }
            slot = (slot + 1) & mask
        }
    }

    /// Stores `values` under the key (a key already present keeps its first payload). When the
    /// table holds `maximumEntries`, it is emptied first: a bounded cache.
    func insert(_ p: UnsafePointer<UInt8>, _ count: Int, _ values: UnsafeBufferPointer<Int32>) {
        if hashes.count >= maximumEntries { removeAll() }
        if hashes.count * 2 >= slots.count { grow() }
        let h = Self.hash(p, count)
        var slot = Int(truncatingIfNeeded: h) & mask
        while slots[slot] >= 0 {
            let entry = Int(slots[slot])
            if hashes[entry] == h {
                let ks = Int(keyStarts[entry]), ke = Int(keyStarts[entry + 1])
                if ke - ks == count && keyBytes.withUnsafeBufferPointer({ memcmp($0.baseAddress! + ks, p, count) == 0 }) { return }
            }
            slot = (slot + 1) & mask
        }
        slots[slot] = Int32(hashes.count)
        hashes.append(h)
        keyBytes.append(contentsOf: UnsafeBufferPointer(start: p, count: count))
        keyStarts.append(Int32(keyBytes.count))
        payload.append(contentsOf: values)
        payloadStarts.append(Int32(payload.count))
    }

    func removeAll() {
        for i in slots.indices { slots[i] = -1 }
        hashes.removeAll(keepingCapacity: true)
        keyBytes.removeAll(keepingCapacity: true)
        payload.removeAll(keepingCapacity: true)
        keyStarts.removeAll(keepingCapacity: true); keyStarts.append(0)
        payloadStarts.removeAll(keepingCapacity: true); payloadStarts.append(0)
    }

    private func grow() {
        let capacity = slots.count * 2
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        for (entry, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(entry)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
