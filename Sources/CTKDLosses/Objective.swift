import CTKDCore

/// One sequence of a batch as the objective sees it: views of the student's outputs over the
/// sequence's response positions, and both sides' targets.
public struct ObjectiveExample: @unchecked Sendable {
    // @unchecked: views of buffers the caller owns; the objective writes each example's gradient
    // rows from one place at a time.
    public var logits: UnsafePointer<Float>              // (T_s, V)
    public var dlogits: UnsafeMutablePointer<Float>?     // (T_s, V), gradients added here
    public var hidden: UnsafePointer<Float>?             // (T_s, C), BLD only
    public var dhidden: UnsafeMutablePointer<Float>?     // (T_s, C)
    public var student: StudentSequence
    public var teacher: TeacherSequence

    public init(logits: UnsafePointer<Float>, dlogits: UnsafeMutablePointer<Float>?,
                hidden: UnsafePointer<Float>? = nil, dhidden: UnsafeMutablePointer<Float>? = nil,
                student: StudentSequence, teacher: TeacherSequence) {
        self.logits = logits
        self.dlogits = dlogits
        self.hidden = hidden
        self.dhidden = dhidden
        self.student = student
        self.teacher = teacher
    }
}

/// A batch's loss and its terms, named as in the training metrics log.
public struct LossValues: Sendable, Equatable {
    /// CE + the weighted distillation terms: the value whose gradient was accumulated.
    public var total: Double = 0
    /// "ce", and per method "kl" | "sampled" | "uld" | "mlot", "mlot_had", "mlot_sl", "mlot_sd" |
    /// "bld_byte_ce", "bld_kl"; each is a mean over the batch (see `Objective`).
    public var terms: [String: Double] = [:]

    public init() {}
}

/// The student's loss over a batch, `CE + weight · L_distill`, with every gradient added into the
/// examples' `dlogits`/`dhidden` and the byte head's gradient buffer: the "loss gradient" step of
/// forward → loss gradient → backward → (all-reduce) → optimizer.
///
/// Normalisation (each term is a mean, so weights do not depend on batch or sequence length):
/// CE over the batch's response tokens; KL, sampled KD and ULD over the batch's paired positions;
/// MultiLevelOT's HAD, SL and SD are per-sequence sums (methods.md) divided by the batch's paired
/// positions; BLD's byte CE over the predicted symbols and its KL over those with a teacher
/// distribution.
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

    /// Evaluates the batch; adds the gradient of `total` wherever the example gives a gradient
    /// buffer (none: evaluation only). BLD needs `headParameters` and, for training, `headGradients`.
    public func forwardBackward(_ batch: [ObjectiveExample], headParameters: UnsafePointer<Float>? = nil,
                                headGradients: UnsafeMutablePointer<Float>? = nil) throws -> LossValues {
        for (index, example) in batch.enumerated() { try check(example, index: index, headParameters: headParameters) }
        let method = configuration.method
        let pairs: [[PositionPair]] = batch.map { example in
            guard let alignment = configuration.alignment else { return [] }
            return Alignment.pairs(alignment, teacher: example.teacher.byteSpans, student: example.student.byteSpans,
                                   responseLength: example.student.responseBytes.count)
        }
        let tokens = batch.reduce(0) { $0 + CrossEntropy.tokenCount($1.student.targets) }
        let pairCount = pairs.reduce(0) { $0 + $1.count }
        let tokenScale = 1 / Float(max(1, tokens)), pairScale = 1 / Float(max(1, pairCount))

        var crossEntropy = 0.0, distillation = 0.0
        var mlot = MultiLevelOTTerms(), bld = BLDTerms()
        var symbols = (all: 0, withTargets: 0)
        if let byteLevel {
            for example in batch {
                let counts = byteLevel.symbolCounts(example.student, teacher: example.teacher.byteDistributions)
                symbols.all += counts.all
                symbols.withTargets += counts.withTargets
            }
        }
        for (index, example) in batch.enumerated() {
            let rows = LogitRows(logits: example.logits, rows: example.student.positions, vocabularySize: vocabularySize)
            let gradient = example.dlogits
            crossEntropy += CrossEntropy.forwardBackward(rows, targets: example.student.targets, dlogits: gradient,
                                                         scale: tokenScale)
            switch method {
            case .sft:
                break
            case .kl:
                distillation += SparseKL(configuration.kl).forwardBackward(
                    rows, teacher: example.teacher.topK!, pairs: pairs[index], dlogits: gradient,
                    scale: configuration.kl.weight * pairScale)
            case .sampled:
                distillation += SampledKD(configuration.sampled).forwardBackward(
                    rows, teacher: example.teacher.sampled!, pairs: pairs[index], dlogits: gradient,
                    scale: configuration.sampled.weight * pairScale)
            case .uld:
                distillation += ULD(configuration.uld).forwardBackward(
                    rows, teacher: example.teacher.topK!, pairs: pairs[index], dlogits: gradient,
                    scale: configuration.uld.weight * pairScale)
            case .mlot:
                let terms = MultiLevelOT(configuration.mlot).forwardBackward(
                    rows, teacher: example.teacher.topK!, pairs: pairs[index], dlogits: gradient,
                    scale: configuration.mlot.weight * pairScale)
                mlot.holisticAbsoluteDifference += terms.holisticAbsoluteDifference
                mlot.sequentialLog += terms.sequentialLog
                mlot.sinkhornDistance += terms.sinkhornDistance
            case .bld:
                let c = configuration.bld
                let terms = byteLevel!.forwardBackward(
                    hidden: example.hidden!, student: example.student, teacher: example.teacher.byteDistributions,
                    parameters: headParameters!, parameterGradients: gradient == nil ? nil : headGradients,
                    dhidden: example.dhidden,
                    byteCrossEntropyScale: c.byteCrossEntropyWeight / Float(max(1, symbols.all)),
                    klScale: c.klWeight / Float(max(1, symbols.withTargets)))
                bld.byteCrossEntropy += terms.byteCrossEntropy
                bld.kl += terms.kl
            }
        }

        var values = LossValues()
        values.terms["ce"] = crossEntropy / Double(max(1, tokens))
        values.total = values.terms["ce"]!
        let perPair = 1 / Double(max(1, pairCount))
        switch method {
        case .sft:
            break
        case .kl, .sampled, .uld:
            let weight = method == .kl ? configuration.kl.weight
                : method == .sampled ? configuration.sampled.weight : configuration.uld.weight
            values.terms[method.rawValue] = distillation * perPair
            values.total += Double(weight) * distillation * perPair
        case .mlot:
            let c = configuration.mlot
            let had = mlot.holisticAbsoluteDifference * perPair, sl = mlot.sequentialLog * perPair
            let sd = mlot.sinkhornDistance * perPair
            let combined = had + Double(c.beta) * sl + Double(c.gamma) * sd
            values.terms["mlot_had"] = had
            values.terms["mlot_sl"] = sl
            values.terms["mlot_sd"] = sd
            values.terms["mlot"] = combined
            values.total += Double(c.weight) * combined
        case .bld:
            let c = configuration.bld
            let byteCrossEntropy = bld.byteCrossEntropy / Double(max(1, symbols.all))
            let kl = bld.kl / Double(max(1, symbols.withTargets))
            values.terms["bld_byte_ce"] = byteCrossEntropy
            values.terms["bld_kl"] = kl
            values.total += Double(c.byteCrossEntropyWeight) * byteCrossEntropy + Double(c.klWeight) * kl
        }
        return values
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
