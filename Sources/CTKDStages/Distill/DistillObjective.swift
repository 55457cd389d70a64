import CTKDCore
import CTKDTensor
import CTKDModels
import CTKDLosses

/// A student's micro-batch: the padded (B, T) inputs and, per sequence, where its response rows
/// are and both sides' targets.
struct DistillBatch {
    struct Sequence {
        var row: Int              // b·T + the first response row
        var student: StudentSequence
        var teacher: CTKDLosses.TeacherSequence
    }

    var tokens: TokenBatch
    var sequences: [Sequence]
    /// What this micro-batch's terms are averaged over (its share of the step's normalizer).
    var counts: LossCounts
}

/// The losses' `LossCounts` as the engine's step normalizer: summed over micro-batches (and, later,
/// data-parallel ranks) so every term's gradient is of the step's mean.
struct DistillCounts: StepNormalizer {
    var counts: LossCounts

    static var zero: DistillCounts { DistillCounts(counts: LossCounts()) }
    static func + (lhs: DistillCounts, rhs: DistillCounts) -> DistillCounts { DistillCounts(counts: lhs.counts + rhs.counts) }

    var components: [Double] {
        [Double(counts.tokens), Double(counts.pairs), Double(counts.byteSymbols), Double(counts.byteTargetSymbols)]
    }

    init(counts: LossCounts) { self.counts = counts }

    init(components: [Double]) {
        counts = LossCounts(tokens: Int(components[0]), pairs: Int(components[1]), byteSymbols: Int(components[2]),
                            byteTargetSymbols: Int(components[3]))
    }
}

/// Bridges `CTKDLosses.Objective` to the engine's `Trainee.step`: the losses read the logits (and,
/// for BLD, the final hidden states) of each sequence's response rows and write their gradient in
/// place; the byte head is the trainee's extra parameter set.
struct DistillObjective: TrainingObjective {
    let objective: Objective
    /// BLD's byte decoder head (values and gradients), nil for the other methods.
    let head: ParameterSet?

    init(_ configuration: ObjectiveConfiguration, model: ModelConfig, head: ParameterSet?) throws {
        objective = try Objective(configuration, vocabularySize: model.vocabularySize, hiddenSize: model.dim)
        self.head = head
    }

    /// A batch ready for `Trainee.step`: examples right-padded to the longest, targets −1 outside
    /// the counted response tokens.
    func batch(_ examples: [(StudentExample, CTKDLosses.TeacherSequence)]) -> DistillBatch {
        let time = examples.map { $0.0.inputs.count }.max() ?? 1
        var tokens = [Int32](repeating: 0, count: examples.count * time)
        var targets = [Int32](repeating: -1, count: examples.count * time)
        var sequences = [DistillBatch.Sequence]()
        for (b, (example, teacher)) in examples.enumerated() {
            for (j, token) in example.inputs.enumerated() { tokens[b * time + j] = token }
            for (j, target) in example.student.targets.enumerated() { targets[b * time + example.firstRow + j] = target }
            sequences.append(DistillBatch.Sequence(row: b * time + example.firstRow, student: example.student, teacher: teacher))
        }
        let counts = [Float](repeating: 0, count: 1).withUnsafeBufferPointer { placeholder in
            // `counts(of:)` reads targets and spans only, never the logits.
            objective.counts(of: sequences.map {
                ObjectiveExample(logits: placeholder.baseAddress!, logitGradient: .none, student: $0.student, teacher: $0.teacher)
            })
        }
        return DistillBatch(tokens: TokenBatch(batch: examples.count, time: time, tokens: tokens, targets: targets),
                            sequences: sequences, counts: counts)
    }

    func tokens(of batch: DistillBatch) -> TokenBatch { batch.tokens }
    func normalizer(of batch: DistillBatch) -> DistillCounts { DistillCounts(counts: batch.counts) }
    var usesHiddenGradient: Bool { objective.byteLevel != nil }

    func lossAndGradient(pass: ForwardPass, batch: DistillBatch, hiddenGradient: UnsafeMutableBufferPointer<Float>?,
                         normalizer: DistillCounts) throws -> LossTerms {
        let vocabulary = objective.vocabularySize, hiddenSize = pass.hidden.count / max(1, pass.batch * pass.time)
        let logits = pass.logits.baseAddress!, hidden = pass.hidden.baseAddress!
        // Rows outside the response (prompt, padding) carry no loss: their gradient is zero.
        var counted = [Bool](repeating: false, count: pass.batch * pass.time)
        for sequence in batch.sequences { for j in 0..<sequence.student.positions { counted[sequence.row + j] = true } }
        for row in counted.indices where !counted[row] { (logits + row * vocabulary).update(repeating: 0, count: vocabulary) }
        let examples = batch.sequences.map { sequence in
            ObjectiveExample(logits: logits + sequence.row * vocabulary, logitGradient: .overwriteLogits,
                             hidden: UnsafePointer(hidden + sequence.row * hiddenSize),
                             dhidden: hiddenGradient.map { $0.baseAddress! + sequence.row * hiddenSize },
                             student: sequence.student, teacher: sequence.teacher)
        }
        let values = try objective.forwardBackward(examples, normalizers: normalizer.counts,
                                                   headParameters: head.map { UnsafePointer($0.values(of: "parameters").baseAddress!) },
                                                   headGradients: head?.gradients(of: "parameters").baseAddress)
        // Sums only: the step's means come from `means(of:normalizer:)` once every part is in.
        return LossTerms(total: 0, terms: values.sums)
    }

    func means(of sums: LossTerms, normalizer: DistillCounts) -> LossTerms {
        var part = LossValues()
        part.sums = sums.terms
        part.counts = normalizer.counts
        let values = objective.combine([part])
        return LossTerms(total: values.total, terms: values.terms)
    }
}
