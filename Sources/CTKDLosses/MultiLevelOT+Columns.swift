import CTKDCore
import CTKDTensor

extension MultiLevelOT {
    /// Both sides' probabilities at one temperature, restricted to their own k most probable
    /// vocabulary columns over the sequence (MultiLevelOT's sequence-level ranking): column l of
    /// `teacher` is the teacher's l-th column, column l of `student` the student's l-th — different
    /// token ids, compared by rank. Rows are padded with zeros to `stride` (a multiple of 8) so the
    /// cost matrix runs on SIMD8 lanes.
    struct RankedColumns {
        let width: Int
        let stride: Int
        let inverseTemperature: Float
        let teacher: [Float]             // (T_t, stride)
        let studentColumns: [Int32]      // (width) vocabulary ids, most probable first
        let student: [Float]             // (T_s, stride)
        let studentLog: [Float]          // (T_s, stride) log s, for the sequential-log term
        let logSumExp: [Float]           // (T_s) the student's row normalisers at this temperature

        init(_ rows: LogitRows, teacher topK: TopKTargets, temperature: Float, columns: Int) {
            width = min(columns, rows.vocabularySize)
            stride = (width + 7) / 8 * 8
            inverseTemperature = 1 / temperature
            teacher = Self.teacherColumns(topK, inverseTemperature: inverseTemperature, width: width, stride: stride)
            logSumExp = rows.logSumExp(temperature: temperature)
            studentColumns = Self.studentColumnIds(rows, logSumExp: logSumExp, inverseTemperature: inverseTemperature,
                                                   width: width)
            var student = [Float](repeating: 0, count: rows.rows * stride)
            var studentLog = [Float](repeating: 0, count: rows.rows * stride)
            for t in 0..<rows.rows {
                let row = rows.row(t)
                for (l, column) in studentColumns.enumerated() {
                    let logProbability = row[Int(column)] * inverseTemperature - logSumExp[t]
                    studentLog[t * stride + l] = logProbability
                    student[t * stride + l] = VectorMath.exp(logProbability)
                }
            }
            self.student = student
            self.studentLog = studentLog
        }

        /// t (T_t, stride): the tempered cached distribution on the teacher's `width` columns of
        /// largest sum over positions (ties: smaller id). A column absent from a position's top-k
        /// counts as 0 there.
        private static func teacherColumns(_ topK: TopKTargets, inverseTemperature: Float, width: Int,
                                           stride: Int) -> [Float] {
            let k = topK.k, positions = topK.positions
            var result = [Float](repeating: 0, count: positions * stride)
            let largestId = Int(topK.ids.max() ?? -1)
            if largestId < 0 { return result }
            var probabilities = [Float](repeating: 0, count: positions * k)
            var columnSums = [Float](repeating: 0, count: largestId + 1)
            probabilities.withUnsafeMutableBufferPointer { probabilities in
                for i in 0..<positions {
                    let row = probabilities.baseAddress! + i * k
                    _ = topK.temperedProbabilities(position: i, inverseTemperature: inverseTemperature, into: row)
                    for entry in 0..<k where topK.ids[i * k + entry] >= 0 {
                        columnSums[Int(topK.ids[i * k + entry])] += row[entry]
                    }
                }
            }
            let selected = min(width, columnSums.count)
            var values = [Float](repeating: 0, count: selected)
            var ids = [Int32](repeating: 0, count: selected)
            TopKSelection.select(columnSums, count: columnSums.count, k: selected, values: &values, indices: &ids)
            var rank = [Int32](repeating: -1, count: columnSums.count)
            for (l, id) in ids.enumerated() { rank[Int(id)] = Int32(l) }
            for i in 0..<positions {
                for entry in 0..<k {
                    let id = topK.ids[i * k + entry]
                    guard id >= 0, rank[Int(id)] >= 0 else { continue }
                    result[i * stride + Int(rank[Int(id)])] = probabilities[i * k + entry]
                }
            }
            return result
        }

        /// The student's `width` vocabulary columns of largest tempered-softmax sum over its rows.
        /// Rows are summed in fixed blocks and the blocks added in order, so the ranking does not
        /// depend on the number of threads.
        private static func studentColumnIds(_ rows: LogitRows, logSumExp: [Float], inverseTemperature: Float,
                                             width: Int) -> [Int32] {
            let vocabularySize = rows.vocabularySize
            let blockRows = 32
            let blocks = (rows.rows + blockRows - 1) / blockRows
            var partial = [Float](repeating: 0, count: max(1, blocks) * vocabularySize)
            partial.withUnsafeMutableBufferPointer { partial in
                let sums = UncheckedPointer(partial.baseAddress!)
                Parallel.forEach(blocks) { block in
                    for t in (block * blockRows)..<min(rows.rows, (block + 1) * blockRows) {
                        LogitKernels.accumulateSoftmax(rows.row(t), into: sums.pointer + block * vocabularySize,
                                                       count: vocabularySize, inverseTemperature: inverseTemperature,
                                                       logNormaliser: logSumExp[t])
                    }
                }
                for block in 1..<max(1, blocks) {
                    let source = partial.baseAddress! + block * vocabularySize
                    for v in 0..<vocabularySize { partial[v] += source[v] }
                }
            }
            var values = [Float](repeating: 0, count: width)
            var ids = [Int32](repeating: 0, count: width)
            TopKSelection.select(partial, count: vocabularySize, k: width, values: &values, indices: &ids)
            return ids
        }
    }
}
