/// Partial selection of the k largest values of a row in O(V), without sorting the row.
///
/// A min-heap of the best k seen so far; the row is scanned 8 lanes at a time and a block is only
/// looked at lane by lane when one of its values beats the heap's smallest. For logits this
/// happens O(k log(V/k)) times, so the scan runs at the speed of a load and a compare.
///
///     var indices = [Int32](repeating: 0, count: 2), values = [Float](repeating: 0, count: 2)
///     TopKSelection.select([3, 9, 1, 9], count: 4, k: 2, values: &values, indices: &indices)
///     // values [9, 9], indices [1, 3]: descending, equal values by smaller index first
enum TopKSelection {
    /// Writes the min(k, count) largest values of `row` and their indices into `values`/`indices`,
    /// sorted by value descending, ties by index ascending; returns how many it wrote. NaN counts
    /// as −infinity.
    @discardableResult
    static func select(_ row: UnsafePointer<Float>, count: Int, k: Int,
                       values: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int32>) -> Int {
        let size = min(k, count)
        if size <= 0 { return 0 }
        for index in 0..<size {
            values[index] = row[index].isNaN ? -.infinity : row[index]
            indices[index] = Int32(index)
        }
        var node = size / 2 - 1
        while node >= 0 {
            siftDown(values, indices, node, size)
            node -= 1
        }
        // Every value scanned from here on has a larger index than the heap's entries, so a tie
        // with the heap's minimum loses: only strictly larger values enter.
        var threshold = values[0]
        var index = size
        let raw = UnsafeRawPointer(row)
        while index + 8 <= count {
            let block = raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
            if any(block .> SIMD8(repeating: threshold)) {
                for lane in 0..<8 { consider(block[lane], index + lane, values, indices, size, &threshold) }
            }
            index += 8
        }
        while index < count {
            consider(row[index], index, values, indices, size, &threshold)
            index += 1
        }
        // Heap sort: move the worst to the back each time, leaving the best first.
        var end = size - 1
        while end > 0 {
            swapAt(values, indices, 0, end)
            siftDown(values, indices, 0, end)
            end -= 1
        }
        return size
    }

    @inline(__always)
    private static func consider(_ value: Float, _ index: Int, _ values: UnsafeMutablePointer<Float>,
                                 _ indices: UnsafeMutablePointer<Int32>, _ size: Int, _ threshold: inout Float) {
        guard value > threshold else { return }
        values[0] = value
        indices[0] = Int32(index)
        siftDown(values, indices, 0, size)
        threshold = values[0]
    }

    /// a is a worse pick than b: smaller, or equal with a larger index.
    @inline(__always)
    private static func worse(_ values: UnsafeMutablePointer<Float>, _ indices: UnsafeMutablePointer<Int32>,
                              _ a: Int, _ b: Int) -> Bool {
        values[a] < values[b] || (values[a] == values[b] && indices[a] > indices[b])
    }

    @inline(__always)
    private static func swapAt(_ values: UnsafeMutablePointer<Float>, _ indices: UnsafeMutablePointer<Int32>,
                               _ a: Int, _ b: Int) {
        let value = values[a]; values[a] = values[b]; values[b] = value
        let index = indices[a]; indices[a] = indices[b]; indices[b] = index
    }

    /// Restores the min-heap (worst at the root) below `node` within the first `size` entries.
    private static func siftDown(_ values: UnsafeMutablePointer<Float>, _ indices: UnsafeMutablePointer<Int32>,
                                 _ node: Int, _ size: Int) {
        var parent = node
        while true {
            var worst = parent
            let left = 2 * parent + 1
            let right = left + 1
            if left < size && worse(values, indices, left, worst) { worst = left }
            if right < size && worse(values, indices, right, worst) { worst = right }
            if worst == parent { return }
            swapAt(values, indices, parent, worst)
            parent = worst
        }
    }
}
