import CTKDCore

/// Targets read off one log-prob row: top-k with tail mass, and unbiased samples.
public enum TargetExtraction {
    /// The k most probable entries (ties: smaller id first), ascending by id, and the tail mass
    /// τ = Σ of the other entries' probabilities / Σ of all (so a row that is normalised only up
    /// to rounding still gives top-k + τ = 1).
    public static func topK(_ row: UnsafeBufferPointer<Float>, k: Int,
                            ids: inout [Int32], logProbs: inout [Float]) -> Float {
        let k = min(k, row.count)
        // A min-heap of the k best (value, id): the root is the weakest kept entry.
        var heapValues = [Float](), heapIDs = [Int32]()
        heapValues.reserveCapacity(k)
        heapIDs.reserveCapacity(k)
        @inline(__always) func weaker(_ a: Int, _ b: Int) -> Bool {
            heapValues[a] < heapValues[b] || (heapValues[a] == heapValues[b] && heapIDs[a] > heapIDs[b])
        }
        func siftDown(_ start: Int) {
            var index = start
            while true {
                let left = 2 * index + 1, right = left + 1
                var smallest = index
                if left < heapValues.count && weaker(left, smallest) { smallest = left }
                if right < heapValues.count && weaker(right, smallest) { smallest = right }
                if smallest == index { return }
                heapValues.swapAt(index, smallest)
                heapIDs.swapAt(index, smallest)
                index = smallest
            }
        }
        for id in 0..<row.count {
            let value = row[id]
            if heapValues.count < k {
                heapValues.append(value)
                heapIDs.append(Int32(id))
                var index = heapValues.count - 1
                while index > 0 {
                    let parent = (index - 1) / 2
                    guard weaker(index, parent) else { break }
                    heapValues.swapAt(index, parent)
                    heapIDs.swapAt(index, parent)
                    index = parent
                }
            } else if value > heapValues[0] {
                heapValues[0] = value
                heapIDs[0] = Int32(id)
                siftDown(0)
            }
        }
        let order = heapIDs.indices.sorted { heapIDs[$0] < heapIDs[$1] }
        var head = 0.0
        for index in order {
            ids.append(heapIDs[index])
            logProbs.append(heapValues[index])
            head += Double(expf(heapValues[index]))
        }
        var total = 0.0
        for value in row { total += Double(expf(value)) }
        return total > 0 ? Float(max(0, (total - head) / total)) : 0
    }

    /// `count` tokens drawn with replacement from the row's distribution, as (ascending unique
    /// id, count) pairs: inverse CDF at sorted uniforms, one sweep over the row.
    public static func sample(_ row: UnsafeBufferPointer<Float>, count: Int, random: inout SeededRandom,
                              ids: inout [Int32], counts: inout [Int32]) {
        var total = 0.0
        for value in row { total += Double(expf(value)) }
        let uniforms = (0..<count).map { _ in random.nextDouble() * total }.sorted()
        var cumulative = 0.0, next = 0
        for id in 0..<row.count where next < count {
            cumulative += Double(expf(row[id]))
            var drawn: Int32 = 0
            while next < count && uniforms[next] < cumulative {
                drawn += 1
                next += 1
            }
            if drawn > 0 {
                ids.append(Int32(id))
                counts.append(drawn)
            }
        }
        if next < count {   // rounding at the very top of the CDF: the last token with mass
            let last = (0..<row.count).last { row[$0] > -.infinity } ?? 0
            if ids.last == Int32(last) { counts[counts.count - 1] += Int32(count - next) } else {
                ids.append(Int32(last))
                counts.append(Int32(count - next))
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
