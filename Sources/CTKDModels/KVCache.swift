import CTKDCore
import CTKDTensor

/// Keys and values of past tokens, per layer, for `slots` independent sequences of up to
/// `capacity` tokens each.
///
/// Layout: (L, slots, K, capacity, D) for keys and for values, so that one head's keys for one
/// sequence are a contiguous (capacity, D) matrix that sgemm reads directly — a branch request
/// attends to "the first j tokens" by reading the first j rows, without copying them.
///
/// Memory: 2 · L · slots · K · capacity · D floats (SmolLM2-135M, 8 slots × 1,024 tokens: 189 MB).
public final class KVCache: @unchecked Sendable {
    public let layers: Int
    public let slots: Int
    public let kvHeads: Int
    public let headSize: Int
    public let capacity: Int
    let keys: FloatBuffer
    let values: FloatBuffer
    /// Tokens held per slot; a segment that appends at `start` sets it to `start + count`.
    public internal(set) var lengths: [Int]

    public init(config: ModelConfig, slots: Int, capacity: Int) {
        precondition(slots > 0 && capacity > 0, "a cache needs at least one slot and one position")
        layers = config.layers
        self.slots = slots
        kvHeads = config.kvHeads
        headSize = config.headSize
        self.capacity = capacity
        let count = layers * slots * kvHeads * capacity * headSize
        keys = FloatBuffer(count: count)
        values = FloatBuffer(count: count)
        lengths = [Int](repeating: 0, count: slots)
    }

    /// Start of the (capacity, D) key matrix of one head of one slot in one layer.
    @inline(__always)
    func keyPointer(layer: Int, slot: Int, head: Int) -> UnsafeMutablePointer<Float> {
        keys.pointer + (((layer * slots + slot) * kvHeads + head) * capacity) * headSize
    }

    @inline(__always)
    func valuePointer(layer: Int, slot: Int, head: Int) -> UnsafeMutablePointer<Float> {
        values.pointer + (((layer * slots + slot) * kvHeads + head) * capacity) * headSize
    }

    /// Forgets a slot's tokens (its memory is reused by the next prefill).
    public func reset(slot: Int) { lengths[slot] = 0 }

    /// Keeps only the first `length` tokens of a slot (e.g. to rewind before a different continuation).
    public func truncate(slot: Int, to length: Int) {
        precondition(length <= lengths[slot], "cannot truncate slot \(slot) to \(length) > \(lengths[slot]) tokens")
        lengths[slot] = length
    }

    public var byteCount: Int { 2 * keys.count * MemoryLayout<Float>.stride }
}
