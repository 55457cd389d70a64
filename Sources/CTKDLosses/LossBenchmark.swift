import CTKDCore
import Foundation

/// Times each objective (CE + one distillation loss, forward and backward) on synthetic inputs of
/// realistic size, for `bench/sections/losses.py` (through the hidden `ctkd bench-losses`).
///
/// One sequence of `positions` student response positions whose tokens are 1–8 bytes long; the
/// teacher tokenizes the same bytes differently (the same way for the same-tokenizer methods),
/// caches `topK` entries and `sampledDraws` draws per position and a sparse 257-symbol byte
/// distribution per byte offset. Gradient buffers are not cleared between calls: clearing them
/// is the model's work, not the loss's.
public enum LossBenchmark {
    public struct Settings: Sendable {
        public var vocabularySize = 8192
        public var positions = 256
        public var topK = 64
        public var sampledDraws = 50
        public var byteCount = 10
        public var hiddenSize = 576
        public var repeats = 5
        public var seed: UInt64 = 1
        /// The objectives to time ("sft", a method, "mlot_envelope"); empty: all.
        public var only: [String] = []

        public init() {}
    }

    public struct Measurement: Codable, Sendable {
        /// "sft", a `DistillationMethod` raw value, or "mlot_envelope".
        public var name: String
        /// Fastest of the repeats, for the whole sequence, wall clock.
        public var seconds: Double
        public var microsecondsPerPosition: Double
        /// Fastest of the repeats in CPU time of all threads: steadier than the wall clock on a
        /// shared machine, and the cost a data-parallel run pays per core.
        public var cpuMicrosecondsPerPosition: Double
        public var total: Double
    }

    public static func run(_ settings: Settings) throws -> [Measurement] {
        var random = SeededRandom(seed: settings.seed)
        let data = try SyntheticSequence(settings, random: &random)
        var measurements = [Measurement]()
        var cases: [(String, ObjectiveConfiguration)] = DistillationMethod.allCases.map { ($0.rawValue, ObjectiveConfiguration(method: $0)) }
        var envelope = ObjectiveConfiguration(method: .mlot)
        envelope.mlot.sinkhornGradient = .envelope
        cases.append(("mlot_envelope", envelope))
        for (name, configuration) in cases where settings.only.isEmpty || settings.only.contains(name) {
            let objective = try Objective(configuration, vocabularySize: settings.vocabularySize,
                                          hiddenSize: settings.hiddenSize)
            let sameTokenizer = configuration.method.needsSameTokenizer
            let example = ObjectiveExample(logits: data.logits.pointer, logitGradient: .add(to: data.logitGradient.pointer),
                                           hidden: data.hidden.pointer, dhidden: data.hiddenGradient.pointer,
                                           student: data.student,
                                           teacher: sameTokenizer ? data.sameTokenizerTeacher : data.teacher)
            func evaluate() throws -> Double {
                // `example` holds views of `data`'s buffers, which must outlive every call.
                try withExtendedLifetime(data) {
                    try objective.forwardBackward([example], headParameters: data.headParameters.pointer,
                                                  headGradients: data.headGradient.pointer).total
                }
            }
            let total = try evaluate()   // warms caches; not timed
            var best = Double.infinity, bestCPU = Double.infinity
            for _ in 0..<max(1, settings.repeats) {
                let start = DispatchTime.now().uptimeNanoseconds, startCPU = processCPUSeconds()
                _ = try evaluate()
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                bestCPU = min(bestCPU, processCPUSeconds() - startCPU)
            }
            measurements.append(Measurement(name: name, seconds: best,
                                            microsecondsPerPosition: best * 1e6 / Double(settings.positions),
                                            cpuMicrosecondsPerPosition: bestCPU * 1e6 / Double(settings.positions),
                                            total: total))
        }
        return measurements
    }
}

private func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// The benchmark's inputs, in stable buffers.
private struct SyntheticSequence {
    let logits: BenchmarkBuffer, logitGradient: BenchmarkBuffer
    let hidden: BenchmarkBuffer, hiddenGradient: BenchmarkBuffer
    let headParameters: BenchmarkBuffer, headGradient: BenchmarkBuffer
    let student: StudentSequence
    let teacher: TeacherSequence
    let sameTokenizerTeacher: TeacherSequence

    init(_ settings: LossBenchmark.Settings, random: inout SeededRandom) throws {
        let vocabularySize = settings.vocabularySize, positions = settings.positions
        // Student: positions − 1 content tokens of 1–8 bytes, then EOS.
        var studentSpans = [ByteSpan](), offset = 0
        for _ in 0..<(positions - 1) {
            let length = 1 + random.nextInt(below: 8)
            studentSpans.append(ByteSpan(start: offset, end: offset + length))
            offset += length
        }
        let responseLength = offset
        studentSpans.append(ByteSpan(start: responseLength, end: responseLength))
        let responseBytes = (0..<responseLength).map { _ in UInt8(32 + random.nextInt(below: 95)) }
        student = try StudentSequence(targets: (0..<positions).map { _ in Int32(random.nextInt(below: vocabularySize)) },
                                      byteSpans: studentSpans, responseBytes: responseBytes)
        // Teacher: its own segmentation of the same bytes.
        var teacherSpans = [ByteSpan]()
        offset = 0
        while offset < responseLength {
            let length = min(responseLength - offset, 1 + random.nextInt(below: 7))
            teacherSpans.append(ByteSpan(start: offset, end: offset + length))
            offset += length
        }
        let distributions = try ByteDistributions(probabilities: Self.byteDistributions(responseLength + 1, &random))
        teacher = try TeacherSequence(byteSpans: teacherSpans,
                                      topK: Self.topK(teacherSpans.count, settings.topK, vocabularySize, &random),
                                      byteDistributions: distributions)
        let contentSpans = Array(studentSpans.dropLast())
        sameTokenizerTeacher = try TeacherSequence(
            byteSpans: contentSpans, topK: Self.topK(contentSpans.count, settings.topK, vocabularySize, &random),
            sampled: Self.sampled(contentSpans.count, settings.sampledDraws, vocabularySize, &random))

        logits = BenchmarkBuffer((0..<(positions * vocabularySize)).map { _ in Float(random.nextGaussian() * 2) })
        logitGradient = BenchmarkBuffer(count: positions * vocabularySize)
        hidden = BenchmarkBuffer((0..<(positions * settings.hiddenSize)).map { _ in Float(random.nextGaussian()) })
        hiddenGradient = BenchmarkBuffer(count: positions * settings.hiddenSize)
        let head = ByteDecoderHead(hiddenSize: settings.hiddenSize, byteCount: settings.byteCount)
        headParameters = BenchmarkBuffer(head.initialParameters(seed: 7))
        headGradient = BenchmarkBuffer(count: head.parameterCount)
    }

    /// Zipf-like top-k log-probabilities over distinct random ids, with the rest as tail mass.
    static func topK(_ positions: Int, _ k: Int, _ vocabularySize: Int, _ random: inout SeededRandom) throws -> TopKTargets {
        var ids = [Int32](), logProbs = [Float](), tails = [Float]()
        for _ in 0..<positions {
            var chosen = [Int32](), seen = Set<Int32>()
            while chosen.count < k {
                let id = Int32(random.nextInt(below: vocabularySize))
                if seen.insert(id).inserted { chosen.append(id) }
            }
            let harmonic = (1...k).reduce(0.0) { $0 + 1 / Double($1) }
            ids += chosen
            for rank in 1...k { logProbs.append(Float(log(0.9 / (Double(rank) * harmonic)))) }
            tails.append(0.1)
        }
        return try TopKTargets(k: k, ids: ids, logProbs: logProbs, tailMass: tails)
    }

    static func sampled(_ positions: Int, _ draws: Int, _ vocabularySize: Int,
                        _ random: inout SeededRandom) throws -> SampledTargets {
        var offsets = [0], ids = [Int32](), counts = [Int32]()
        for _ in 0..<positions {
            var histogram = [Int32: Int32]()
            // Draws concentrate on a few tokens, as from a peaked teacher.
            for _ in 0..<draws { histogram[Int32(random.nextInt(below: 1 + random.nextInt(below: 64))), default: 0] += 1 }
            for (id, count) in histogram.sorted(by: { $0.key < $1.key }) {
                ids.append(id % Int32(vocabularySize))
                counts.append(count)
            }
            offsets.append(ids.count)
        }
        return try SampledTargets(offsets: offsets, ids: ids, counts: counts)
    }

    /// 257-symbol distributions with 8 nonzero symbols each.
    static func byteDistributions(_ offsets: Int, _ random: inout SeededRandom) -> [Float] {
        var result = [Float](repeating: 0, count: offsets * 257)
        for offset in 0..<offsets {
            var total: Float = 0
            for _ in 0..<8 {
                let value = random.nextFloat() + 0.01
                result[offset * 257 + random.nextInt(below: 257)] += value
                total += value
            }
            for symbol in 0..<257 { result[offset * 257 + symbol] /= total }
        }
        return result
    }
}

/// A float buffer with a stable address for the benchmark's views.
private final class BenchmarkBuffer {
    let pointer: UnsafeMutablePointer<Float>

    init(_ values: [Float]) {
        pointer = .allocate(capacity: max(1, values.count))
        pointer.initialize(repeating: 0, count: max(1, values.count))
        for (index, value) in values.enumerated() { pointer[index] = value }
    }

    convenience init(count: Int) { self.init([Float](repeating: 0, count: count)) }

    deinit { pointer.deallocate() }
}
