import CTKDCore

extension SeededRandom {
    /// `count` distinct elements of `pool`, in random order.
    mutating func distinct<T>(_ count: Int, from pool: [T]) -> [T] {
        precondition(count <= pool.count, "asked for \(count) distinct values from \(pool.count)")
        var indices = Array(pool.indices)
        for index in 0..<count {
            indices.swapAt(index, index + nextInt(below: indices.count - index))
        }
        return indices.prefix(count).map { pool[$0] }
    }

    /// One element of a non-empty array.
    mutating func pick<T>(_ options: [T]) -> T { options[nextInt(below: options.count)] }

    mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for index in stride(from: values.count - 1, to: 0, by: -1) {
            values.swapAt(index, nextInt(below: index + 1))
        }
    }
}
