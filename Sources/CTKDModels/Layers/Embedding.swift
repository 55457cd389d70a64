import CTKDCore
import CTKDTensor

/// Token embedding plus, for GPT-2, a learned position embedding:
/// `out[n] = tokenTable[tokens[n]] + positionTable[positions[n]]`.
///
/// Shapes: `tokens`, `positions` (N), `tokenTable` (V, C), `positionTable` (maxT, C) or nil, `out` (N, C).
/// Token ids must already be checked against V (the model does it once per call).
public enum Embedding {
    public static func forward(
        out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>, positions: UnsafePointer<Int32>,
        tokenTable: UnsafePointer<Float>, positionTable: UnsafePointer<Float>?, rows: Int, channels: Int
    ) {
        let out = UncheckedPointer(out)
        Parallel.forEachChunk(rows, minimumChunk: 64) { range in
            for row in range {
                let y = out.pointer + row * channels
                let token = tokenTable + Int(tokens[row]) * channels
                if let positionTable {
                    VectorMath.add(token, positionTable + Int(positions[row]) * channels, y, count: channels)
                } else {
                    y.update(from: token, count: channels)
                }
            }
        }
    }

    /// Adds into `dTokenTable` and `dPositionTable`. Rows that share a token add into the same
    /// table row, so the work is split by channel ranges instead of rows (no races, and the sum
    /// order is fixed).
    public static func backward(
        dTokenTable: UnsafeMutablePointer<Float>, dPositionTable: UnsafeMutablePointer<Float>?,
        dout: UnsafePointer<Float>, tokens: UnsafePointer<Int32>, positions: UnsafePointer<Int32>,
        rows: Int, channels: Int
    ) {
        let dTokens = UncheckedPointer(dTokenTable)
        let dPositions = dPositionTable.map(UncheckedPointer.init)
        Parallel.forEachChunk(channels, minimumChunk: 32) { columns in
            let width = columns.count
            for row in 0..<rows {
                let source = dout + row * channels + columns.lowerBound
                VectorMath.addScaled(source, dTokens.pointer + Int(tokens[row]) * channels + columns.lowerBound, count: width)
                if let dPositions {
                    VectorMath.addScaled(source, dPositions.pointer + Int(positions[row]) * channels + columns.lowerBound, count: width)
                }
            }
        }
    }
}
