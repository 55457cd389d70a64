/// The LCS computations of rouge-score on token ids.
enum LongestCommonSubsequence {
    /// The LCS length of `a` and `b` (`_lcs_table(...)[-1][-1]`), with one rolling row of
    /// `min(|a|, |b|) + 1` cells.
    static func length(_ a: UnsafeBufferPointer<Int32>, _ b: UnsafeBufferPointer<Int32>,
                       row: inout [Int32]) -> Int {
        let (outer, inner) = a.count >= b.count ? (a, b) : (b, a)
        let width = inner.count
        if width == 0 { return 0 }
        if row.count < width + 1 { row = Array(repeating: 0, count: width + 1) }
        return row.withUnsafeMutableBufferPointer { cells -> Int in
            for j in 0...width { cells[j] = 0 }
            for i in 0..<outer.count {
                let token = outer[i]
                var diagonal: Int32 = 0          // table[i-1][j-1]
                for j in 0..<width {
                    let up = cells[j + 1]        // table[i-1][j]
                    let value = inner[j] == token ? diagonal + 1 : max(up, cells[j])
                    diagonal = up
                    cells[j + 1] = value
                }
            }
            return Int(cells[width])
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
        let stride = columns + 1
        let cellCount = (rows + 1) * stride
        if table.count < cellCount { table = Array(repeating: 0, count: cellCount) }
        table.withUnsafeMutableBufferPointer { cells in
            for j in 0...columns { cells[j] = 0 }
            for i in 1...rows {
                let token = reference[i - 1]
                let above = (i - 1) * stride
                let here = i * stride
                cells[here] = 0
                for j in 1...columns {
                    cells[here + j] = candidate[j - 1] == token
                        ? cells[above + j - 1] + 1
                        : max(cells[above + j], cells[here + j - 1])
                }
            }
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
