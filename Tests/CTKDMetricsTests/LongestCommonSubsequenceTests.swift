import Testing
import CTKDCore
@testable import CTKDMetrics

@Suite struct LongestCommonSubsequenceTests {
    /// The bit-parallel length equals the DP table's corner, across word boundaries (63–65, 128…).
    @Test func bitParallelLengthMatchesTheTable() {
        var random = SeededRandom(seed: 11)
        var slots = [Int32](repeating: -1, count: 16)
        var masks = [UInt64]()
        var bits = [UInt64]()
        var table = [Int32]()
        for trial in 0..<400 {
            let lengths = [0, 1, 5, 63, 64, 65, 130, 200]
            let m = trial < 64 ? lengths[trial % lengths.count] : random.nextInt(below: 150)
            let n = trial < 64 ? lengths[(trial / lengths.count) % lengths.count] : random.nextInt(below: 150)
            let alphabet = 1 + random.nextInt(below: 15)
            let a = (0..<m).map { _ in Int32(random.nextInt(below: alphabet)) }
            let b = (0..<n).map { _ in Int32(random.nextInt(below: alphabet)) }
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    let fast = slots.withUnsafeMutableBufferPointer {
                        LongestCommonSubsequence.length(a, b, slots: $0, masks: &masks, bits: &bits)
                    }
                    LongestCommonSubsequence.fillTable(reference: a, candidate: b, table: &table)
                    #expect(fast == Int(table[m * (n + 1) + n]), "m \(m) n \(n)")
                }
            }
            #expect(slots.allSatisfy { $0 == -1 })
        }
    }
}
