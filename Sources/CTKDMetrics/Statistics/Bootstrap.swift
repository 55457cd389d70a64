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
    /// A resample is drawn as how often each row is picked; each column's resampled mean is then
    /// the dot product of those counts with the column (stored contiguously for this), which reads
    /// memory in order and vectorises, instead of n random row reads.
    static func resampledMeans(rows: Int, columns: Int, values: UnsafeBufferPointer<Double>,
                               options: BootstrapOptions) -> [Double] {
        guard options.resamples > 0 && rows > 0 else { return [] }
        var columnMajor = [Double](repeating: 0, count: rows * columns)     // (columns, rows)
        for row in 0..<rows {
            for column in 0..<columns { columnMajor[column * rows + row] = values[row * columns + column] }
        }
        var means = [Double](repeating: 0, count: options.resamples * columns)
        means.withUnsafeMutableBufferPointer { output in
            columnMajor.withUnsafeBufferPointer { columnMajor in
                let base = UncheckedPointer(output.baseAddress!)
                let input = UncheckedPointer(UnsafeMutablePointer(mutating: columnMajor.baseAddress!))
                Parallel.forEachChunk(options.resamples) { resamples in
                    var picks = [Double](repeating: 0, count: rows)
                    picks.withUnsafeMutableBufferPointer { picks in
                        for resample in resamples {
                            var generator = options.generator(forResample: resample)
                            for row in 0..<rows { picks[row] = 0 }
                            for _ in 0..<rows { picks[generator.nextInt(below: rows)] += 1 }
                            for column in 0..<columns {
                                let sum = dot(UnsafeBufferPointer(picks), input.pointer + column * rows)
                                base.pointer[resample * columns + column] = sum / Double(rows)
                            }
                        }
                    }
                }
            }
        }
        return means
    }

    /// `Σ a[i] · b[i]` over `a.count` values, four SIMD lanes and two accumulators wide.
    private static func dot(_ a: UnsafeBufferPointer<Double>, _ b: UnsafePointer<Double>) -> Double {
        let count = a.count
        var sum0 = SIMD4<Double>(), sum1 = SIMD4<Double>()
        var index = 0
        let pointer = a.baseAddress!
        while index + 8 <= count {
            let a0 = UnsafeRawPointer(pointer + index).loadUnaligned(as: SIMD4<Double>.self)
            let a1 = UnsafeRawPointer(pointer + index + 4).loadUnaligned(as: SIMD4<Double>.self)
            let b0 = UnsafeRawPointer(b + index).loadUnaligned(as: SIMD4<Double>.self)
            let b1 = UnsafeRawPointer(b + index + 4).loadUnaligned(as: SIMD4<Double>.self)
            sum0.addProduct(a0, b0)
            sum1.addProduct(a1, b1)
            index += 8
        }
        var sum = (sum0 + sum1).sum()
        while index < count {
            sum += pointer[index] * b[index]
            index += 1
        }
        return sum
    }
}
