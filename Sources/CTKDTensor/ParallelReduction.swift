import CTKDCore

/// Column sums over many rows in parallel, with a result that does not depend on timing: rows
/// are split into the same contiguous chunks for a given thread count, each chunk sums into its
/// own partial vector, and the partials are added in chunk order.
///
///     ParallelReduction.sumRows(rows, width: channels, into: dbias) { range, partial in
///         for row in range { VectorMath.addScaled(dout + row * channels, partial, count: channels) }
///     }
public enum ParallelReduction {
    /// Calls `body(rowRange, partial)` for chunks of 0..<rows in parallel (each `partial` holds
    /// `width` zeros at the start) and adds every partial into `destination`.
    public static func sumRows(_ rows: Int, width: Int, into destination: UnsafeMutablePointer<Float>,
                               minimumChunk: Int = 64,
                               _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        guard rows > 0 else { return }
        let chunks = max(1, min(Parallel.threadCount, rows / max(1, minimumChunk)))
        if chunks == 1 {
            let partial = FloatBuffer(count: width)
            body(0..<rows, partial.pointer)
            VectorMath.addScaled(partial.pointer, destination, count: width)
            return
        }
        let partials = FloatBuffer(count: chunks * width)
        let base = UncheckedPointer(partials.pointer)
        Parallel.forEach(chunks) { chunk in
            body((rows * chunk / chunks)..<(rows * (chunk + 1) / chunks), base.pointer + chunk * width)
        }
        for chunk in 0..<chunks {
            VectorMath.addScaled(partials.pointer + chunk * width, destination, count: width)
        }
    }
}
