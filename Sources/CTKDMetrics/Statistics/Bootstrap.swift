import CTKDCore

/// How to resample: the number of resamples, the seed and the confidence level.
public struct BootstrapOptions: Sendable, Equatable {
    public var resamples: Int
    public var seed: UInt64
    public var confidence: Double

    public init(resamples: Int = 1000, seed: UInt64 = 0, confidence: Double = 0.95) {
        precondition(resamples >= 0 && confidence > 0 && confidence < 1)
        self.resamples = resamples
        self.seed = seed
        self.confidence = confidence
    }

    /// The random generator of resample `index`: a pure function of the seed and the index, so the
    /// result does not depend on how resamples are spread over threads.
    func generator(forResample index: Int) -> SeededRandom {
        SeededRandom(seed: seed).derived(UInt64(index))
    }
}

/// A mean with a bootstrap confidence interval. With no resamples, `low == high == mean`.
public struct ConfidenceInterval: Sendable, Equatable, Codable {
    public var mean: Double
    public var low: Double
    public var high: Double

    public init(mean: Double, low: Double, high: Double) {
        self.mean = mean
        self.low = low
        self.high = high
    }

    /// The same interval multiplied by `factor` (fractions → points with 100).
    public func scaled(by factor: Double) -> ConfidenceInterval {
        ConfidenceInterval(mean: mean * factor, low: low * factor, high: high * factor)
    }
}

/// Percentile bootstrap confidence intervals of means.
///
///     let interval = Bootstrap.confidenceInterval(values: f1PerExample, resamples: 1000, seed: 0)
///     // interval.mean is the plain mean; low/high the 2.5th and 97.5th percentiles of the
///     // means of 1000 resamples (n draws with replacement each)
///
/// Like rouge-score's `BootstrapAggregator`, percentiles interpolate linearly between order
/// statistics (numpy's default); unlike it, the point estimate is the sample mean (not the
/// bootstrap median) and the resamples are seeded, so a rerun gives the same interval.
public enum Bootstrap {
    public static func confidenceInterval(values: [Double], resamples: Int = 1000, seed: UInt64 = 0,
                                          confidence: Double = 0.95) -> ConfidenceInterval {
        let options = BootstrapOptions(resamples: resamples, seed: seed, confidence: confidence)
        return values.withUnsafeBufferPointer {
            confidenceIntervals(rows: values.count, columns: 1, values: $0, options: options)[0]
        }
    }

    /// One interval per column of a row-major `rows × columns` matrix; every resample draws one
    /// set of rows and uses it for all columns (so the columns' intervals are from the same resamples).
    public static func confidenceIntervals(rows: Int, columns: Int, values: UnsafeBufferPointer<Double>,
                                           options: BootstrapOptions) -> [ConfidenceInterval] {
        Resampling(rows: rows, columns: columns, values: values, options: options).intervals
    }

    /// The column means of the data and of every resample.
    struct Resampling {
        let columns: Int
        let options: BootstrapOptions
        let means: [Double]
        /// `resamples × columns`, row-major.
        let resampledMeans: [Double]

        init(rows: Int, columns: Int, values: UnsafeBufferPointer<Double>, options: BootstrapOptions) {
            precondition(values.count == rows * columns)
            self.columns = columns
            self.options = options
            means = columnMeans(rows: rows, columns: columns, values: values)
            resampledMeans = rows > 0 ? Bootstrap.resampledMeans(rows: rows, columns: columns, values: values, options: options) : []
        }

        /// Column `column`'s resample means.
        func resampled(_ column: Int) -> [Double] {
            stride(from: column, to: resampledMeans.count, by: columns).map { resampledMeans[$0] }
        }

        var intervals: [ConfidenceInterval] {
            (0..<columns).map { column in
                let sorted = resampled(column).sorted()
                guard !sorted.isEmpty else { return ConfidenceInterval(mean: means[column], low: means[column], high: means[column]) }
                let (low, high) = percentileBounds(sorted: sorted, confidence: options.confidence)
                return ConfidenceInterval(mean: means[column], low: low, high: high)
            }
        }
    }

    /// The `(1 − confidence)/2` and `(1 + confidence)/2` quantiles of sorted values.
    static func percentileBounds(sorted: [Double], confidence: Double) -> (Double, Double) {
        (quantile(sorted: sorted, (1 - confidence) / 2), quantile(sorted: sorted, (1 + confidence) / 2))
    }

    /// numpy's `percentile(..., method="linear")`: interpolation at position `q · (n − 1)`.
    static func quantile(sorted: [Double], _ q: Double) -> Double {
        precondition(!sorted.isEmpty)
        let position = q * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(below + 1, sorted.count - 1)
        let fraction = position - Double(below)
        return sorted[below] + (sorted[above] - sorted[below]) * fraction
    }

    static func columnMeans(rows: Int, columns: Int, values: UnsafeBufferPointer<Double>) -> [Double] {
        var sums = [Double](repeating: 0, count: columns)
        for row in 0..<rows {
            for column in 0..<columns { sums[column] += values[row * columns + column] }
        }
        return sums.map { rows > 0 ? $0 / Double(rows) : 0 }
    }

    /// `resamples × columns` means, row-major; resamples run in parallel.
    ///
    /// A resample is drawn as how often each row is picked, then the matrix is read once in order
    /// with those counts as weights: sequential memory access instead of n random row reads.
    static func resampledMeans(rows: Int, columns: Int, values: UnsafeBufferPointer<Double>,
                               options: BootstrapOptions) -> [Double] {
        guard options.resamples > 0 && rows > 0 else { return [] }
        var means = [Double](repeating: 0, count: options.resamples * columns)
        means.withUnsafeMutableBufferPointer { output in
            let base = UncheckedPointer(output.baseAddress!)
            let input = UncheckedPointer(UnsafeMutablePointer(mutating: values.baseAddress!))
            Parallel.forEachChunk(options.resamples) { resamples in
                var picks = [Int32](repeating: 0, count: rows)
                picks.withUnsafeMutableBufferPointer { picks in
                    for resample in resamples {
                        var generator = options.generator(forResample: resample)
                        for row in 0..<rows { picks[row] = 0 }
                        for _ in 0..<rows { picks[generator.nextInt(below: rows)] += 1 }
                        let sums = base.pointer + resample * columns
                        for row in 0..<rows where picks[row] > 0 {
                            let weight = Double(picks[row])
                            let values = input.pointer + row * columns
                            for column in 0..<columns { sums[column] += weight * values[column] }
                        }
                        for column in 0..<columns { sums[column] /= Double(rows) }
                    }
                }
            }
        }
        return means
    }
}
