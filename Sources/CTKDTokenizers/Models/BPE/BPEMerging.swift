/// The merge loop of byte-pair encoding: repeatedly merge the adjacent pair with the lowest
/// rank, leftmost first, until no adjacent pair has a merge. Equivalent to HF's heap of
/// (rank, position) over a linked list of symbols; short words (almost all of them) use a scan
/// over a compact array, long ones (runs of spaces, base64) the heap, so that neither is
/// quadratic where it matters.
enum BPEMerging {
    static let shortWordLimit = 48

    /// Merges `ids[0..<count]` (with byte lengths `lengths`) in place; returns the new count.
    @inline(__always)
    static func mergeAll(_ ids: UnsafeMutablePointer<Int32>, _ lengths: UnsafeMutablePointer<Int32>, count: Int,
                         merges: MergeTable, scratch: BPEScratch) -> Int {
        if count < 2 { return count }
        if count <= shortWordLimit { return mergeShort(ids, lengths, count: count, merges: merges) }
        return mergeLong(ids, lengths, count: count, merges: merges, scratch: scratch)
    }

    static func mergeShort(_ ids: UnsafeMutablePointer<Int32>, _ lengths: UnsafeMutablePointer<Int32>, count: Int,
                           merges: MergeTable) -> Int {
        // pairValue[k] = rank << 32 | newID of (ids[k], ids[k+1]), or .max.
        var pairValue = (UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max,
                         UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max,
                         UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max,
                         UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max,
                         UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max,
                         UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max)
        return withUnsafeMutableBytes(of: &pairValue) { raw -> Int in
            let values = raw.baseAddress!.assumingMemoryBound(to: UInt64.self)
            var n = count
            for k in 0..<(n - 1) { values[k] = merges.lookup(ids[k], ids[k + 1]) }
            while n > 1 {
                var best = UInt64.max, bestIndex = -1
                for k in 0..<(n - 1) where values[k] < best {
                    best = values[k]
                    bestIndex = k
                }
                if bestIndex < 0 { break }
                let k = bestIndex
                ids[k] = Int32(truncatingIfNeeded: best & 0xFFFF_FFFF)
                lengths[k] += lengths[k + 1]
                var j = k + 1
                while j < n - 1 {
                    ids[j] = ids[j + 1]
                    lengths[j] = lengths[j + 1]
                    values[j] = values[j + 1]
                    j += 1
                }
                n -= 1
                if k > 0 { values[k - 1] = merges.lookup(ids[k - 1], ids[k]) }
                if k < n - 1 { values[k] = merges.lookup(ids[k], ids[k + 1]) }
            }
            return n
        }
    }

    static func mergeLong(_ ids: UnsafeMutablePointer<Int32>, _ lengths: UnsafeMutablePointer<Int32>, count: Int,
                          merges: MergeTable, scratch: BPEScratch) -> Int {
        scratch.reserveLinks(count)
        let previous = scratch.previous, next = scratch.next
        for k in 0..<count {
            previous[k] = Int32(k - 1)
            next[k] = k + 1 < count ? Int32(k + 1) : -1
        }
        var heap = MinHeap(storage: scratch.heap, capacity: scratch.heapCapacity)
        for k in 0..<(count - 1) {
            let value = merges.lookup(ids[k], ids[k + 1])
            if value != .max { heap.push(value & 0xFFFF_FFFF_0000_0000 | UInt64(k)) }
        }
        while let top = heap.pop() {
            let rank = top >> 32
            let position = Int(top & 0xFFFF_FFFF)
            if lengths[position] == 0 { continue }
            let right = Int(next[position])
            if right < 0 { continue }
            let value = merges.lookup(ids[position], ids[right])
            if value == .max || value >> 32 != rank { continue }  // an expired entry
            ids[position] = Int32(truncatingIfNeeded: value & 0xFFFF_FFFF)
            lengths[position] += lengths[right]
            lengths[right] = 0
            let after = Int(next[right])
            next[position] = Int32(after)
            if after >= 0 { previous[after] = Int32(position) }
            let before = Int(previous[position])
            if before >= 0 {
                let v = merges.lookup(ids[before], ids[position])
                if v != .max { heap.push(v & 0xFFFF_FFFF_0000_0000 | UInt64(before)) }
            }
            if after >= 0 {
                let v = merges.lookup(ids[position], ids[after])
                if v != .max { heap.push(v & 0xFFFF_FFFF_0000_0000 | UInt64(position)) }
            }
            if heap.count + 2 >= heap.capacity {
                scratch.growHeap(&heap)
            }
        }
        var n = 0
        for k in 0..<count where lengths[k] != 0 {
            ids[n] = ids[k]
            lengths[n] = lengths[k]
            n += 1
        }
        return n
    }
}

/// A binary min-heap of packed (rank, position) keys over caller-owned storage.
struct MinHeap {
    var storage: UnsafeMutablePointer<UInt64>
    var capacity: Int
    var count = 0

    init(storage: UnsafeMutablePointer<UInt64>, capacity: Int) {
        self.storage = storage
        self.capacity = capacity
    }

    mutating func push(_ value: UInt64) {
        var i = count
        count += 1
        storage[i] = value
        while i > 0 {
            let parent = (i - 1) >> 1
            if storage[parent] <= storage[i] { break }
            storage.swapAt(parent, i)
            i = parent
        }
    }

    mutating func pop() -> UInt64? {
        if count == 0 { return nil }
        let top = storage[0]
        count -= 1
        storage[0] = storage[count]
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < count && storage[l] < storage[smallest] { smallest = l }
            if r < count && storage[r] < storage[smallest] { smallest = r }
            if smallest == i { break }
            storage.swapAt(smallest, i)
            i = smallest
        }
        return top
    }
}

private extension UnsafeMutablePointer where Pointee == UInt64 {
    @inline(__always) func swapAt(_ a: Int, _ b: Int) {
        let t = self[a]; self[a] = self[b]; self[b] = t
    }
}

/// Per-thread working memory of the BPE model: symbol arrays and the heap, grown as needed and
/// reused for every word, so that tokenizing allocates nothing per word.
final class BPEScratch {
    private(set) var ids: UnsafeMutablePointer<Int32>
    private(set) var lengths: UnsafeMutablePointer<Int32>
    private(set) var capacity: Int
    private(set) var previous: UnsafeMutablePointer<Int32>
    private(set) var next: UnsafeMutablePointer<Int32>
    private var linkCapacity: Int
    private(set) var heap: UnsafeMutablePointer<UInt64>
    private(set) var heapCapacity: Int
    let cache: ByteStringTable

    init(cacheEntries: Int) {
        capacity = 256
        ids = .allocate(capacity: capacity)
        lengths = .allocate(capacity: capacity)
        linkCapacity = 256
        previous = .allocate(capacity: linkCapacity)
        next = .allocate(capacity: linkCapacity)
        heapCapacity = 1024
        heap = .allocate(capacity: heapCapacity)
        cache = ByteStringTable(expectedEntries: min(cacheEntries, 4096), maximumEntries: cacheEntries)
    }

    deinit {
        ids.deallocate(); lengths.deallocate(); previous.deallocate(); next.deallocate(); heap.deallocate()
    }

    /// Room for `count` symbols (a word of `count` bytes has at most that many).
    func reserveSymbols(_ count: Int) {
        guard count > capacity else { return }
        ids.deallocate(); lengths.deallocate()
        capacity = max(count, capacity * 2)
        ids = .allocate(capacity: capacity)
        lengths = .allocate(capacity: capacity)
    }

    func reserveLinks(_ count: Int) {
        if count > linkCapacity {
            previous.deallocate(); next.deallocate()
            linkCapacity = max(count, linkCapacity * 2)
            previous = .allocate(capacity: linkCapacity)
            next = .allocate(capacity: linkCapacity)
        }
        if heapCapacity < 2 * count + 16 {
            heap.deallocate()
            heapCapacity = 2 * count + 16
            heap = .allocate(capacity: heapCapacity)
        }
    }

    func growHeap(_ h: inout MinHeap) {
        let newCapacity = heapCapacity * 2
        let newStorage = UnsafeMutablePointer<UInt64>.allocate(capacity: newCapacity)
        newStorage.initialize(from: heap, count: h.count)
        heap.deallocate()
        heap = newStorage
        heapCapacity = newCapacity
        h.storage = newStorage
        h.capacity = newCapacity
    }
}
