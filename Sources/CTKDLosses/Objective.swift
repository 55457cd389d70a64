import CTKDCore

/// One sequence of a batch as the objective sees it: views of the student's outputs over the
/// sequence's response positions, and both sides' targets. The views do not keep their buffers
/// alive: an optimised build may free an object right after its last use, so hold the owners
/// (`withExtendedLifetime`) until `forwardBackward` returns.
public struct ObjectiveExample: @unchecked Sendable {
    // @unchecked: views of buffers the caller owns; the objective writes each example's gradient
    // rows from one place at a time.
    public var logits: UnsafePointer<Float>              // (T_s, V)
    public var logitGradient: LogitGradientDestination   // (T_s, V)
    public var hidden: UnsafePointer<Float>?             // (T_s, C), BLD only
    public var dhidden: UnsafeMutablePointer<Float>?     // (T_s, C), gradients added here
    public var student: StudentSequence
    public var teacher: TeacherSequence

    public init(logits: UnsafePointer<Float>, logitGradient: LogitGradientDestination,
                hidden: UnsafePointer<Float>? = nil, dhidden: UnsafeMutablePointer<Float>? = nil,
                student: StudentSequence, teacher: TeacherSequence) {
        self.logits = logits
        self.logitGradient = logitGradient
        self.hidden = hidden
        self.dhidden = dhidden
        self.student = student
        self.teacher = teacher
    }
}

/// What each term of the objective is averaged over.
public struct LossCounts: Sendable, Equatable, Codable {
    /// Response tokens with a target (CE).
    public var tokens = 0
    /// Paired teacher/student positions (KL, sampled KD, ULD, MultiLevelOT).
    public var pairs = 0
    /// Bytes (and END symbols) the byte head predicts (BLD's byte CE).
    public var byteSymbols = 0
    /// Of those, the ones with a teacher byte distribution (BLD's KL).
    public var byteTargetSymbols = 0

    public init(tokens: Int = 0, pairs: Int = 0, byteSymbols: Int = 0, byteTargetSymbols: Int = 0) {
        self.tokens = tokens
        self.pairs = pairs
        self.byteSymbols = byteSymbols
        self.byteTargetSymbols = byteTargetSymbols
    }

    public static func + (a: LossCounts, b: LossCounts) -> LossCounts {
        LossCounts(tokens: a.tokens + b.tokens, pairs: a.pairs + b.pairs, byteSymbols: a.byteSymbols + b.byteSymbols,
                   byteTargetSymbols: a.byteTargetSymbols + b.byteTargetSymbols)
    }
}

/// A batch's loss terms: the sums and counts (which add up across micro-batches and workers)
/// and the means they give.
public struct LossValues: Sendable, Equatable {
    /// Unnormalised sums: "ce", and per method "kl" | "sampled" | "uld" |
    /// "mlot_had", "mlot_sl", "mlot_sd" | "bld_byte_ce", "bld_kl".
    public var sums: [String: Double] = [:]
    public var counts = LossCounts()
    /// Each sum over its count, plus "mlot" = HAD + β SL + γ SD for MultiLevelOT: the keys of
    /// the training metrics log.
    public var terms: [String: Double] = [:]
    /// CE + the weighted distillation terms, from `terms`.
    public var total: Double = 0

    public init() {}
}

/// The student's loss over a batch, `CE + weight · L_distill`, with every gradient added into the
/// examples' gradient destinations, `dhidden` and the byte head's gradient buffer: the "loss
/// gradient" step of forward → loss gradient → backward → (all-reduce) → optimizer.
///
/// Each term is a mean, so weights do not depend on batch or sequence length: CE over the response
/// tokens; KL, sampled KD and ULD over the paired positions; MultiLevelOT's HAD, SL and SD are
/// per-sequence sums (methods.md) over the paired positions; BLD's byte CE over the predicted
/// symbols and its KL over those with a teacher distribution. The gradient is of the means over
/// `normalizers` — by default this batch's own counts; with gradient accumulation or data
/// parallelism, pass the step's total counts so that the accumulated gradient is the step's mean.
///
///     let objective = try Objective(configuration, vocabularySize: 49_152)
///     let values = try objective.forwardBackward(batch)
///     log["ce"] = values.terms["ce"]
public struct Objective: Sendable {
    public let configuration: ObjectiveConfiguration
    public let vocabularySize: Int
    /// BLD's loss and head (nil for the other methods); the head's parameters are the caller's.
    public let byteLevel: BLD?

    public init(_ configuration: ObjectiveConfiguration, vocabularySize: Int, hiddenSize: Int? = nil) throws {
        try configuration.kl.validate()
        try configuration.sampled.validate()
        try configuration.uld.validate()
        try configuration.mlot.validate()
        try configuration.bld.validate()
        try require(vocabularySize >= 1, "vocabularySize", "expected at least 1, got \(vocabularySize)")
        self.configuration = configuration
        self.vocabularySize = vocabularySize
        if configuration.method == .bld {
            guard let hiddenSize, hiddenSize >= 1 else {
                throw CTKDError("BLD needs the student's hidden size for its byte decoder head", field: "hiddenSize")
            }
            byteLevel = BLD(configuration.bld, hiddenSize: hiddenSize)
        } else {
            byteLevel = nil
        }
    }

    /// The counts a batch's terms are averaged over (cheap: no logits are read).
    public func counts(of batch: [ObjectiveExample]) -> LossCounts {
        var counts = LossCounts()
        for example in batch {
            counts.tokens += CrossEntropy.tokenCount(example.student.targets)
            counts.pairs += pairs(example).count
            if let byteLevel {
                let symbols = byteLevel.symbolCounts(example.student, teacher: example.teacher.byteDistributions)
                counts.byteSymbols += symbols.all
                counts.byteTargetSymbols += symbols.withTargets
            }
        }
        return counts
    }

    /// Evaluates the batch and writes the gradient of the mean over `normalizers` (default: this
    /// batch's counts) wherever an example asks for it. BLD needs `headParameters` and, for
    /// training, `headGradients` (added into).
    public func forwardBackward(_ batch: [ObjectiveExample], normalizers: LossCounts? = nil,
                                headParameters: UnsafePointer<Float>? = nil,
                                headGradients: UnsafeMutablePointer<Float>? = nil) throws -> LossValues {
        for (index, example) in batch.enumerated() { try check(example, index: index, headParameters: headParameters) }
        let counts = counts(of: batch)
        let normalizers = normalizers ?? counts
        func perItem(_ weight: Float, _ count: Int) -> Float { weight / Float(max(1, count)) }
        let c = configuration
        var sums = [String: Double]()
        func add(_ key: String, _ value: Double) { sums[key, default: 0] += value }

        for example in batch {
            let rows = LogitRows(logits: example.logits, rows: example.student.positions, vocabularySize: vocabularySize)
            let pairs = pairs(example)
            let gradient: LogitGradient?
            if case .none = example.logitGradient {
                gradient = nil
            } else {
                gradient = LogitGradient(rows: rows, sparseCapacity: CrossEntropy.sparseEntriesPerRow
                                         + sparseEntriesPerRow(example))
            }
            add("ce", CrossEntropy.accumulate(rows, targets: example.student.targets, into: gradient,
                                              scale: perItem(1, normalizers.tokens)))
            let pairScale = { (weight: Float) in perItem(weight, normalizers.pairs) }
            switch c.method {
            case .sft:
                break
            case .kl:
                add("kl", SparseKL(c.kl).accumulate(rows, teacher: example.teacher.topK!, pairs: pairs, into: gradient,
                                                    scale: pairScale(c.kl.weight)))
            case .sampled:
                add("sampled", SampledKD(c.sampled).accumulate(rows, teacher: example.teacher.sampled!, pairs: pairs,
                                                               into: gradient, scale: pairScale(c.sampled.weight)))
            case .uld:
                add("uld", ULD(c.uld).accumulate(rows, teacher: example.teacher.topK!, pairs: pairs, into: gradient,
                                                 scale: pairScale(c.uld.weight)))
            case .mlot:
                let terms = MultiLevelOT(c.mlot).accumulate(rows, teacher: example.teacher.topK!, pairs: pairs,
                                                            into: gradient, scale: pairScale(c.mlot.weight))
                add("mlot_had", terms.holisticAbsoluteDifference)
                add("mlot_sl", terms.sequentialLog)
                add("mlot_sd", terms.sinkhornDistance)
            case .bld:
                let training = gradient != nil
                let terms = byteLevel!.forwardBackward(
                    hidden: example.hidden!, student: example.student, teacher: example.teacher.byteDistributions,
                    parameters: headParameters!, parameterGradients: training ? headGradients : nil,
                    dhidden: training ? example.dhidden : nil,
                    byteCrossEntropyScale: perItem(c.bld.byteCrossEntropyWeight, normalizers.byteSymbols),
                    klScale: perItem(c.bld.klWeight, normalizers.byteTargetSymbols))
                add("bld_byte_ce", terms.byteCrossEntropy)
                add("bld_kl", terms.kl)
            }
            // Every loss has read the logits: now they may be overwritten.
            gradient?.write(example.logitGradient)
        }
        return summary(sums: sums, counts: counts)
    }

    /// Adds up the sums and counts of micro-batches (or workers) and recomputes the means.
    public func combine(_ parts: [LossValues]) -> LossValues {
        var sums = [String: Double]()
        var counts = LossCounts()
        for part in parts {
            for (key, value) in part.sums { sums[key, default: 0] += value }
            counts = counts + part.counts
        }
        return summary(sums: sums, counts: counts)
    }

    private func summary(sums: [String: Double], counts: LossCounts) -> LossValues {
        let c = configuration
        var values = LossValues()
        values.sums = sums
        values.counts = counts
        func mean(_ key: String, _ count: Int) -> Double {
            let value = (sums[key] ?? 0) / Double(max(1, count))
            values.terms[key] = value
            return value
        }
        values.total = mean("ce", counts.tokens)
        switch c.method {
        case .sft: break
        case .kl: values.total += Double(c.kl.weight) * mean("kl", counts.pairs)
        case .sampled: values.total += Double(c.sampled.weight) * mean("sampled", counts.pairs)
        case .uld: values.total += Double(c.uld.weight) * mean("uld", counts.pairs)
        case .mlot:
            let combined = mean("mlot_had", counts.pairs) + Double(c.mlot.beta) * mean("mlot_sl", counts.pairs)
                + Double(c.mlot.gamma) * mean("mlot_sd", counts.pairs)
            values.terms["mlot"] = combined
            values.total += Double(c.mlot.weight) * combined
        case .bld:
            values.total += Double(c.bld.byteCrossEntropyWeight) * mean("bld_byte_ce", counts.byteSymbols)
                + Double(c.bld.klWeight) * mean("bld_kl", counts.byteTargetSymbols)
        }
        return values
    }

    private func pairs(_ example: ObjectiveExample) -> [PositionPair] {
        guard let alignment = configuration.alignment else { return [] }
        return Alignment.pairs(alignment, teacher: example.teacher.byteSpans, student: example.student.byteSpans,
                               responseLength: example.student.responseBytes.count)
    }

    private func sparseEntriesPerRow(_ example: ObjectiveExample) -> Int {
        let c = configuration
        switch c.method {
        case .sft, .bld: return 0
        case .kl: return SparseKL(c.kl).sparseEntriesPerRow(example.teacher.topK!)
        case .sampled: return SampledKD(c.sampled).sparseEntriesPerRow(example.teacher.sampled!)
        case .uld: return ULD(c.uld).sparseEntriesPerRow(example.teacher.topK!)
        case .mlot: return MultiLevelOT(c.mlot).sparseEntriesPerRow(vocabularySize: vocabularySize)
        }
    }

    /// Bad data is an error that names the example and the field, never a crash.
    private func check(_ example: ObjectiveExample, index: Int, headParameters: UnsafePointer<Float>?) throws {
        func fail(_ field: String, _ message: String) -> CTKDError {
            CTKDError("batch example \(index): \(message)", field: field)
        }
        if let bad = example.student.targets.first(where: { Int($0) >= vocabularySize }) {
            throw fail("student.targets", "token \(bad) outside the vocabulary of \(vocabularySize)")
        }
        switch configuration.method {
        case .sft:
            break
        case .kl, .uld, .mlot:
            guard let topK = example.teacher.topK else {
                throw fail("teacher.topK", "\(configuration.method.rawValue) needs the teacher's top-k targets")
            }
            if configuration.method == .kl, let bad = topK.ids.first(where: { Int($0) >= vocabularySize }) {
                throw fail("teacher.topK.ids", "teacher token \(bad) outside the student vocabulary of \(vocabularySize) "
                           + "(kl needs the teacher's tokenizer)")
            }
        case .sampled:
            guard let sampled = example.teacher.sampled else {
                throw fail("teacher.sampled", "sampled needs the teacher's sampled targets")
            }
            if let bad = sampled.ids.first(where: { $0 < 0 || Int($0) >= vocabularySize }) {
                throw fail("teacher.sampled.ids", "teacher token \(bad) outside the student vocabulary of "
                           + "\(vocabularySize) (sampled needs the teacher's tokenizer)")
            }
        case .bld:
            guard example.hidden != nil else { throw fail("hidden", "bld needs the student's final hidden states") }
            guard headParameters != nil else { throw fail("headParameters", "bld needs the byte head's parameters") }
        }
    }
}
