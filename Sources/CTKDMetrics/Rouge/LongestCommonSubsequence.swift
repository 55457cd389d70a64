/// The LCS computations of rouge-score on token ids.
enum LongestCommonSubsequence {
    /// The LCS length of `a` and `b` (`_lcs_table(...)[-1][-1]`), bit-parallel (Hyyrö 2004):
    /// bit i of `V` stays 1 while position i of the shorter sequence is unmatched; for each token
    /// `c` of the longer one, with `U = V & match(c)`, `V = (V + U) | (V - U)` (and `V - U` is
    /// `V & ~U` since U ⊆ V). The LCS length is the number of zero bits. One 64-bit word covers 64
    /// tokens of the shorter text, so a 25-token summary against a 200-token dialogue costs 200
    /// word operations instead of 5,000 table cells.
    ///
    /// `slots` maps a token id to its row in the match masks; it must be -1 for every id on entry
    /// and is left so.
    static func length(_ a: UnsafeBufferPointer<Int32>, _ b: UnsafeBufferPointer<Int32>,
                       slots: UnsafeMutableBufferPointer<Int32>, masks: inout [UInt64], bits: inout [UInt64]) -> Int {
        let (short, long) = a.count <= b.count ? (a, b) : (b, a)
        let m = short.count
        if m == 0 { return 0 }
        let words = (m + 63) / 64
        // One row of `words` masks per distinct token of the short sequence.
        var distinct = 0
        for token in short where slots[Int(token)] < 0 {
            slots[Int(token)] = Int32(distinct)
            distinct += 1
        }
        if masks.count < distinct * words { masks = Array(repeating: 0, count: distinct * words * 2) }
        if bits.count < words { bits = Array(repeating: 0, count: words * 2) }
        var zeros = 0
        masks.withUnsafeMutableBufferPointer { masks in
            bits.withUnsafeMutableBufferPointer { v in
                for index in 0..<(distinct * words) { masks[index] = 0 }
                for (position, token) in short.enumerated() {
                    masks[Int(slots[Int(token)]) * words + position / 64] |= 1 << UInt64(position % 64)
                }
                for word in 0..<words { v[word] = ~0 }
                for token in long {
                    let slot = Int(slots[Int(token)])
                    if slot < 0 { continue }                      // U = 0 leaves V unchanged
                    let match = masks.baseAddress! + slot * words
                    var carry: UInt64 = 0
                    for word in 0..<words {
                        let value = v[word]
                        let u = value & match[word]
                        let (partial, overflow1) = value.addingReportingOverflow(u)
                        let (sum, overflow2) = partial.addingReportingOverflow(carry)
                        carry = (overflow1 || overflow2) ? 1 : 0
                        v[word] = sum | (value & ~u)
                    }
                }
                for word in 0..<words {
                    let valid = word == words - 1 && m % 64 != 0 ? (UInt64(1) << UInt64(m % 64)) - 1 : ~UInt64(0)
                    zeros += (~v[word] & valid).nonzeroBitCount
                }
            }
        }
        for token in short { slots[Int(token)] = -1 }
        return zeros
    }

    /// The full LCS table `T[(i, j)]` of `reference` (rows) and `candidate` (columns), row-major
    /// with `candidate.count + 1` columns, as `_lcs_table` builds it.
    static func fillTable(reference: UnsafeBufferPointer<Int32>, candidate: UnsafeBufferPointer<Int32>,
                          table: inout [Int32]) {
        let rows = reference.count
        let columns = candidate.count
        let stride = columns + 1
        let cellCount = (rows + 1) * stride
        if table.count < cellCount { table = Array(repeating: 0, count: cellCount) }
        table.withUnsafeMutableBufferPointer { cells in
            for j in 0...columns { cells[j] = 0 }
            if rows == 0 { return }
            for i in 1...rows {
                let token = reference[i - 1]
                let above = (i - 1) * stride
                let here = i * stride
                cells[here] = 0
                if columns == 0 { continue }
                for j in 1...columns {
                    cells[here + j] = candidate[j - 1] == token
                        ? cells[above + j - 1] + 1
                        : max(cells[above + j], cells[here + j - 1])
                }
            }
        }
    }

    /// Marks in `marks` (one flag per `reference` token) the reference indices of the LCS that
    /// rouge-score's `_backtrack_norec` reads out of the full table: walking back from the end,
    /// a match moves diagonally; otherwise it moves left (in the candidate) only when
    /// `T[i][j-1] > T[i-1][j]`, and up (in the reference) on ties. This tie-break decides which
    /// tokens ROUGE-Lsum's union counts.
    static func markBacktrack(reference: UnsafeBufferPointer<Int32>, candidate: UnsafeBufferPointer<Int32>,
                              table: inout [Int32], marks: UnsafeMutableBufferPointer<Bool>) {
        let rows = reference.count
        let columns = candidate.count
        if rows == 0 || columns == 0 { return }
        fillTable(reference: reference, candidate: candidate, table: &table)
        let stride = columns + 1
        table.withUnsafeBufferPointer { cells in
            var i = rows
            var j = columns
            while i > 0 && j > 0 {
                if reference[i - 1] == candidate[j - 1] {
                    marks[i - 1] = true
                    i -= 1
                    j -= 1
                } else if cells[i * stride + j - 1] > cells[(i - 1) * stride + j] {
                    j -= 1
                } else {
                    i -= 1
                }
            }
        }
    }
}
