import Foundation
import CTKDCore
import CTKDTensor

/// Throughput of the engine with the protocol of `train_gpt_ref.py` (the PyTorch baseline), so
/// the two can be compared as ratios in one run: random tokens, medians over timed steps after
/// warm-up steps.
public enum Benchmark {
    public struct Settings: Sendable {
        public var batch = 8
        public var time = 256
        public var steps = 10
        public var warmup = 3
        public var learningRate = 3e-4
        public var decodeBatch = 1
        public var promptLength = 16
        public var decodeTokens = 128
        public var decodeRepeats = 3
        public var seed: UInt64 = 1337
        public init() {}
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func randomTokens(_ count: Int, vocabulary: Int, random: inout SeededRandom) -> [Int32] {
        (0..<count).map { _ in Int32(random.nextInt(below: vocabulary)) }
    }

    /// Forward + cross-entropy + backward + AdamW (weight decay 0.1, β = (0.9, 0.95), no clipping).
    public static func train(_ model: LanguageModel, _ s: Settings) throws -> [String: Double] {
        var random = SeededRandom(seed: s.seed)
        let optimizer = AdamW(parameterSets: [model.parameters])
        let (B, T, V) = (s.batch, s.time, model.config.vocabularySize)
        var steps = [Double](), forwards = [Double](), backwards = [Double](), updates = [Double](), losses = [Double]()
        for step in 0..<(s.warmup + s.steps) {
            let sequence = randomTokens(B * (T + 1), vocabulary: V, random: &random)
            var tokens = [Int32](), targets = [Int32]()
            for b in 0..<B {
                tokens += sequence[(b * (T + 1))..<(b * (T + 1) + T)]
                targets += sequence[(b * (T + 1) + 1)..<((b + 1) * (T + 1))]
            }
            let t0 = Profiler.now()
            let pass = try model.forward(tokens: tokens, batch: B, time: T)
            var rowLosses = [Float](repeating: 0, count: B * T)
            CrossEntropy.forwardBackward(losses: &rowLosses, logits: pass.logits.baseAddress!, targets: targets, rows: B * T,
                                         vocabulary: V, gradientScale: 1 / Float(B * T))
            let t1 = Profiler.now()
            optimizer.zeroGradients()
            model.backward(logitsGradient: pass.logits.baseAddress!)
            let t2 = Profiler.now()
            optimizer.update(learningRate: s.learningRate)
            let t3 = Profiler.now()
            losses.append(rowLosses.reduce(0.0) { $0 + Double($1) } / Double(B * T))
            if step >= s.warmup {
                steps.append(t3 - t0)
                forwards.append(t1 - t0)
                backwards.append(t2 - t1)
                updates.append(t3 - t2)
            }
        }
        let stepTime = median(steps)
        return ["tokens_per_s_median": Double(B * T) / stepTime, "step_ms_median": stepTime * 1000,
                "fwd_ms_median": median(forwards) * 1000, "bwd_ms_median": median(backwards) * 1000,
                "opt_ms_median": median(updates) * 1000, "loss_first": losses.first!, "loss_last": losses.last!]
    }

    /// One forward over B × T tokens with logits for every position (no saved activations).
    public static func prefill(_ model: LanguageModel, _ s: Settings) throws -> [String: Double] {
        var random = SeededRandom(seed: s.seed &+ 1)
        let cache = KVCache(config: model.config, slots: s.batch, capacity: s.time)
        var times = [Double]()
        for step in 0..<(s.warmup + s.steps) {
            let segments = (0..<s.batch).map { b in
                InferenceSegment(slot: b, start: 0, tokens: randomTokens(s.time, vocabulary: model.config.vocabularySize, random: &random),
                                 appendsToCache: true, outputs: .all)
            }
            let t0 = Profiler.now()
            _ = try model.forward(segments: segments, cache: cache)
            if step >= s.warmup { times.append(Profiler.now() - t0) }
        }
        let time = median(times)
        return ["tokens_per_s_median": Double(s.batch * s.time) / time, "ms_median": time * 1000]
    }

    /// Greedy decoding with the KV cache after a prompt; the prompt's prefill is timed apart.
    public static func decode(_ model: LanguageModel, _ s: Settings) throws -> [String: Double] {
        var random = SeededRandom(seed: s.seed &+ 2)
        let (B, P, N) = (s.decodeBatch, s.promptLength, s.decodeTokens)
        let prompts = (0..<B).map { _ in randomTokens(P, vocabulary: model.config.vocabularySize, random: &random) }
        let cache = KVCache(config: model.config, slots: B, capacity: P + N)
        func run(_ count: Int) throws -> (prefill: Double, decode: Double) {
            let t0 = Profiler.now()
            var output = try model.forward(segments: prompts.enumerated().map {
                InferenceSegment(slot: $0.offset, start: 0, tokens: $0.element, appendsToCache: true, outputs: .last)
            }, cache: cache)
            var next = (0..<B).map { Int32(Sampler.argmax(output.row($0).baseAddress!, count: output.vocabularySize)) }
            let t1 = Profiler.now()
            for _ in 0..<(count - 1) {
                output = try model.forward(segments: (0..<B).map {
                    InferenceSegment(slot: $0, start: cache.lengths[$0], tokens: [next[$0]], appendsToCache: true, outputs: .last)
                }, cache: cache)
                next = (0..<B).map { Int32(Sampler.argmax(output.row($0).baseAddress!, count: output.vocabularySize)) }
            }
            return (t1 - t0, Profiler.now() - t1)
        }
        _ = try run(min(8, N))
        let runs = try (0..<s.decodeRepeats).map { _ in try run(N) }
        let decode = median(runs.map(\.decode)), prefill = median(runs.map(\.prefill))
        return ["batch": Double(B), "prompt_len": Double(P), "new_tokens": Double(N),
                "prompt_prefill_ms": prefill * 1000, "decode_ms_per_token": decode / Double(N - 1) * 1000,
                "decode_tokens_per_s": Double(B * (N - 1)) / decode]
    }
}

extension Benchmark {
    /// Nanoseconds per element of the non-GEMM kernels, in CPU time of the calling thread (so the
    /// figures hold on a busy machine); run with `CTKD_THREADS=1` so the kernels stay on it.
    public static func kernels(count: Int = 1 << 21) -> [String: Double] {
        var random = SeededRandom(seed: 3)
        let input = FloatBuffer(count: count), output = FloatBuffer(count: count), gradient = FloatBuffer(count: count)
        for i in 0..<count { input.pointer[i] = Float(random.nextGaussian()) }
        func cpuTime() -> Double {
            var spec = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
            return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
        }
        func time(_ body: () -> Void) -> Double {
            body()
            var best = Double.infinity
            for _ in 0..<3 {
                let start = cpuTime()
                body()
                best = min(best, cpuTime() - start)
            }
            return best / Double(count) * 1e9
        }
        let channels = 256, rows = count / channels
        let weight = FloatBuffer(count: channels), bias = FloatBuffer(count: channels)
        let mean = FloatBuffer(count: rows), rstd = FloatBuffer(count: rows)
        weight.buffer.update(repeating: 1)
        let targets = (0..<(count / 4096)).map { Int32($0 % 4096) }
        let losses = FloatBuffer(count: count / 4096)
        return BLAS.withThreadCount(1) {
                [
                    "gelu_forward": time { GELU.forward(out: output.pointer, inp: input.pointer, count: count) },
                    "gelu_backward": time { GELU.backward(dinp: gradient.pointer, inp: input.pointer, dout: output.pointer, count: count) },
                    "swiglu_forward": time { SwiGLU.forward(out: output.pointer, inp: input.pointer, rows: count / 512, hidden: 256) },
                    "layernorm_forward": time {
                        LayerNorm.forward(out: output.pointer, mean: mean.pointer, rstd: rstd.pointer, inp: input.pointer,
                                          weight: weight.pointer, bias: bias.pointer, rows: rows, channels: channels, epsilon: 1e-5)
                    },
                    "softmax_row_256": time {
                        for row in 0..<rows { Softmax.row(input.pointer + row * 256, output.pointer + row * 256, count: 256) }
                    },
                    "cross_entropy_4096": time {
                        output.pointer.update(from: input.pointer, count: count)
                        CrossEntropy.forwardBackward(losses: losses.pointer, logits: output.pointer, targets: targets,
                                                     rows: count / 4096, vocabulary: 4096, gradientScale: 1)
                    },
                ]
        }
    }
}

extension Benchmark {
    /// GFLOP/s of ctkd's GEMM (`BLAS.parallelSgemm` on every thread) for C (m, n) = A (m, k) · B (k, n):
    /// the ceiling that training's share is measured against (best of `repeats` after a warm-up).
    public static func sgemm(m: Int, n: Int, k: Int, repeats: Int = 5) -> Double {
        let a = FloatBuffer(count: m * k), b = FloatBuffer(count: k * n), c = FloatBuffer(count: m * n)
        var random = SeededRandom(seed: 5)
        for i in 0..<(m * k) { a.pointer[i] = Float(random.nextGaussian()) }
        for i in 0..<(k * n) { b.pointer[i] = Float(random.nextGaussian()) }
        var best = Double.infinity
        for run in 0...repeats {
            let start = Profiler.now()
            BLAS.parallelSgemm(m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: n, c: c.pointer, ldc: n)
            if run > 0 { best = min(best, Profiler.now() - start) }
        }
        return 2 * Double(m) * Double(n) * Double(k) / best / 1e9
    }
}
