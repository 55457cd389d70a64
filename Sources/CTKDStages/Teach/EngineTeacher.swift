import Foundation
import CTKDCore
import CTKDCache
import CTKDModels

/// The teacher stage's `TeacherModel` over the engine's `LanguageModel` (a Hugging Face model
/// directory): batched prefill into a KV cache, branch rows as batched KV-cached decode steps.
///
///     let teacher = try EngineTeacher(directory: "models/smollm2-135m-instruct")
///     let summary = try TeachStage.run(configuration, teacher: teacher,
///                                      tokenizer: HuggingFaceTeacherTokenizer(path: ".../tokenizer.json"))
///
/// Identity: SHA-256 of `model.safetensors` and the engine's configuration as canonical JSON
/// (sorted keys), so a resumed run against other weights or another shape is refused.
public final class EngineTeacher: TeacherModel {
    public let model: LanguageModel
    public let identity: TeacherIdentity
    public var vocabularySize: Int { model.config.vocabularySize }
    /// Room kept after each prefilled sequence so that a chain of branches off its end (generation)
    /// appends to the KV cache instead of recomputing its earlier extra tokens.
    public var appendCapacity = 256
    /// Counts prefills, so that a stale `EnginePrefill` (whose cache was reused) is caught.
    var generation = 0
    var cache: KVCache?

    public init(directory: String) throws {
        model = try LanguageModel.load(directory: directory, name: "teacher")
        identity = TeacherIdentity(weightsSHA256: try SHA256.hex(fileAt: directory + "/model.safetensors"),
                                   configuration: EngineTeacher.canonicalJSON(model.config.huggingFaceConfig()))
    }

    /// A teacher over an in-memory model (tests); `weightsSHA256` names its weights.
    public init(model: LanguageModel, weightsSHA256: String) {
        self.model = model
        identity = TeacherIdentity(weightsSHA256: weightsSHA256,
                                   configuration: EngineTeacher.canonicalJSON(model.config.huggingFaceConfig()))
    }

    static func canonicalJSON(_ object: [String: Any]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// Prefills every sequence into its own cache slot in two batched forwards: the tokens before
    /// `firstRow` without output rows (no lm_head over the prompt), then the rest with every row.
    public func prefill(_ sequences: [TeacherSequence]) throws -> any TeacherPrefill {
        let longest = sequences.map(\.tokens.count).max() ?? 1
        let capacity = min(model.config.contextLength, longest + appendCapacity)
        guard longest <= model.config.contextLength else {
            throw CTKDError("a sequence of \(longest) tokens exceeds the teacher's context length \(model.config.contextLength)")
        }
        if cache == nil || cache!.slots < sequences.count || cache!.capacity < capacity {
            let slots = max(sequences.count, cache?.slots ?? 0)
            cache = nil   // free the old one before allocating
            cache = KVCache(config: model.config, slots: slots, capacity: capacity)
        }
        let cache = cache!
        for slot in 0..<cache.slots { cache.reset(slot: slot) }
        for (index, sequence) in sequences.enumerated() where sequence.tokens.isEmpty || sequence.firstRow < 0
            || sequence.firstRow >= sequence.tokens.count {
            throw CTKDError("sequence \(index): first row \(sequence.firstRow) outside its \(sequence.tokens.count) tokens")
        }
        let prompts = sequences.enumerated().filter { $0.element.firstRow > 0 }.map {
            InferenceSegment(slot: $0.offset, start: 0, tokens: Array($0.element.tokens[..<$0.element.firstRow]),
                             appendsToCache: true, outputs: .none)
        }
        if !prompts.isEmpty { _ = try model.forward(segments: prompts, cache: cache) }
        let output = try model.forward(segments: sequences.enumerated().map {
            InferenceSegment(slot: $0.offset, start: $0.element.firstRow, tokens: Array($0.element.tokens[$0.element.firstRow...]),
                             appendsToCache: true, outputs: .all)
        }, cache: cache)
        output.convertToLogProbs()
        generation += 1
        // The output lives in the model's workspace until its next forward: keep a copy.
        let rows = UnsafeMutableBufferPointer<Float>.allocate(capacity: output.logits.count)
        _ = rows.initialize(from: output.logits)
        return EnginePrefill(teacher: self, cache: cache, generation: generation, sequences: sequences,
                             rows: rows, rowRanges: output.rows)
    }
}

/// Rows of one `EngineTeacher.prefill`, and branches off its KV cache.
final class EnginePrefill: TeacherPrefill {
    let teacher: EngineTeacher
    let cache: KVCache
    let generation: Int
    let sequences: [TeacherSequence]
    /// (Σ rows, V): each sequence's rows from `firstRow` on, in order. Owned; freed in deinit.
    let rows: UnsafeMutableBufferPointer<Float>
    let rowRanges: [Range<Int>]
    /// Extra tokens appended to each slot after its sequence (a chain of branches off its end).
    var appended: [[Int32]]

    init(teacher: EngineTeacher, cache: KVCache, generation: Int, sequences: [TeacherSequence], rows: UnsafeMutableBufferPointer<Float>,
         rowRanges: [Range<Int>]) {
        self.teacher = teacher
        self.cache = cache
        self.generation = generation
        self.sequences = sequences
        self.rows = rows
        self.rowRanges = rowRanges
        appended = Array(repeating: [], count: sequences.count)
    }

    deinit { rows.deallocate() }

    func logProbs(sequence: Int, prefixLength: Int) -> UnsafeBufferPointer<Float> {
        let first = sequences[sequence].firstRow
        precondition(prefixLength > first && prefixLength <= sequences[sequence].tokens.count,
                     "row \(prefixLength) outside the prefilled rows")
        let width = teacher.vocabularySize
        let row = rowRanges[sequence].lowerBound + prefixLength - 1 - first
        return UnsafeBufferPointer(rebasing: rows[(row * width)..<((row + 1) * width)])
    }

    /// One forward for all branches. A branch off a sequence's end whose extras extend what the
    /// slot already holds appends (one token per request in a chain, as decoding does); any other
    /// branch attends to its prefix in place and runs its extra tokens (the cache is shared by all
    /// branches of the slot, so they cannot be stored there).
    func evaluate(_ branches: [CTKDCache.BranchRequest], into output: UnsafeMutableBufferPointer<Float>) throws {
        precondition(generation == teacher.generation, "a prefill was used after the teacher's next prefill")
        let width = teacher.vocabularySize
        precondition(output.count >= branches.count * width)
        guard !branches.isEmpty else { return }
        var segments = [InferenceSegment](), appending = Set<Int>()
        for branch in branches {
            let sequence = sequences[branch.sequence]
            guard !branch.extraTokens.isEmpty, branch.prefixLength >= 1, branch.prefixLength <= sequence.tokens.count else {
                throw CTKDError("branch off sequence \(branch.sequence) at \(branch.prefixLength) with \(branch.extraTokens.count) extra tokens is outside the prefill")
            }
            let end = sequence.tokens.count
            // Whether a branch may append depends on its own sequence only (never on the cache's
            // capacity, which the longest sequence of the batch sets): the two paths round
            // differently, and a cache must not depend on how examples were batched or sharded.
            if branch.prefixLength == end, !appending.contains(branch.sequence),
               branch.extraTokens.count <= teacher.appendCapacity, end + branch.extraTokens.count <= teacher.model.config.contextLength {
                var held = appended[branch.sequence]
                if !branch.extraTokens.starts(with: held) || held.count == branch.extraTokens.count {
                    held = []
                }
                appending.insert(branch.sequence)
                appended[branch.sequence] = branch.extraTokens
                segments.append(InferenceSegment(slot: branch.sequence, start: end + held.count,
                                                 tokens: Array(branch.extraTokens[held.count...]),
                                                 appendsToCache: true, outputs: .last))
            } else {
                segments.append(InferenceSegment(slot: branch.sequence, start: branch.prefixLength, tokens: branch.extraTokens,
                                                 appendsToCache: false, outputs: .last))
            }
        }
        let result = try teacher.model.forward(segments: segments, cache: cache)
        result.convertToLogProbs()
        for index in branches.indices {
            let source = result.row(result.rows[index].lowerBound)
            (output.baseAddress! + index * width).update(from: source.baseAddress!, count: width)
        }
    }
}
