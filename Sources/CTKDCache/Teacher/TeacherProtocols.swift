/// The two seams between the teacher stage and the model engine / tokenizer.
///
/// The teacher stage (and the byte beam inside it) is written against these protocols only, so
/// that a real model joins with one adapter type each. `Toy/` holds small deterministic
/// implementations used by tests and by `ctkd teach --toy-teacher`.

/// A teacher language model: prefill whole sequences, then evaluate short branches off them.
///
/// The byte beam needs the teacher's next-token distribution after histories that follow the
/// canonical (prefilled) sequence for a while and then take a few other tokens. The engine keeps
/// each prefilled sequence's KV cache, so a branch costs one decode step per extra token:
///
///     let prefill = try teacher.prefill([TeacherSequence(tokens: promptIDs + responseIDs, firstRow: promptIDs.count - 1)])
///     let row = prefill.logProbs(sequence: 0, prefixLength: promptIDs.count)      // predicts response token 0
///     try prefill.evaluate([BranchRequest(sequence: 0, prefixLength: promptIDs.count, extraTokens: [17])],
///                          into: rows)                                            // after prompt + [17]
public protocol TeacherModel: AnyObject {
    /// Number of log-prob entries per row (the model's output width).
    var vocabularySize: Int { get }
    /// What identifies the weights and configuration, recorded in the cache metadata.
    var identity: TeacherIdentity { get }
    /// Runs the teacher over each sequence (batched as the engine sees fit) and keeps what later
    /// branch evaluations need (the KV caches).
    func prefill(_ sequences: [TeacherSequence]) throws -> any TeacherPrefill
}

/// One sequence to prefill. Rows are needed only from `firstRow` on (the response positions).
public struct TeacherSequence: Sendable, Equatable {
    public var tokens: [Int32]
    /// The first position whose log-prob row is kept: the row at position t predicts token t + 1,
    /// so for prompt + response this is `promptCount - 1`.
    public var firstRow: Int

    public init(tokens: [Int32], firstRow: Int) {
        self.tokens = tokens
        self.firstRow = firstRow
    }
}

/// The log-prob rows of a prefilled batch, and branch evaluations off it.
public protocol TeacherPrefill: AnyObject {
    /// The row (log-softmax over the vocabulary, `vocabularySize` entries) that predicts the token
    /// after the first `prefixLength` tokens of sequence `sequence`, for
    /// `firstRow + 1 <= prefixLength <= tokens.count`. Valid while the prefill is alive.
    func logProbs(sequence: Int, prefixLength: Int) -> UnsafeBufferPointer<Float>

    /// Evaluates every branch in one batched call and writes its row (after the first
    /// `prefixLength` tokens of the sequence followed by `extraTokens`) to
    /// `rows[i * vocabularySize ..< (i + 1) * vocabularySize]`.
    ///
    /// Branches arrive in chains: a request with extras `[a, b]` follows an earlier request with
    /// `[a]` off the same prefix, so an engine that keeps branch KV entries by
    /// (sequence, prefixLength, extras) decodes one token per request.
    func evaluate(_ branches: [BranchRequest], into rows: UnsafeMutableBufferPointer<Float>) throws
}

/// "The first `prefixLength` tokens of prefilled sequence `sequence`, followed by `extraTokens`."
public struct BranchRequest: Sendable, Hashable {
    public var sequence: Int
    public var prefixLength: Int
    public var extraTokens: [Int32]

    public init(sequence: Int, prefixLength: Int, extraTokens: [Int32]) {
        self.sequence = sequence
        self.prefixLength = prefixLength
        self.extraTokens = extraTokens
    }
}

/// What the cache metadata records about a teacher; a resumed run must present the same.
public struct TeacherIdentity: Sendable, Equatable {
    /// SHA-256 over the weight files (hex).
    public var weightsSHA256: String
    /// The model configuration as canonical JSON text (recorded verbatim, compared by hash).
    public var configuration: String

    public init(weightsSHA256: String, configuration: String) {
        self.weightsSHA256 = weightsSHA256
        self.configuration = configuration
    }
}

/// The teacher's tokenizer, as the teacher stage needs it.
public protocol TeacherTokenizer: AnyObject {
    /// The number of token ids (may be smaller than the model's `vocabularySize`).
    var vocabularySize: Int { get }
    /// End of sequence, appended after the response when the model has one.
    var endOfSequence: Int32? { get }
    /// SHA-256 of the tokenizer file (hex), recorded in the cache metadata.
    var identity: String { get }
    /// Token ids of `text` and each token's byte span in `text.utf8`. With
    /// `addingSpecialTokens` the tokenizer's post-processor adds its own tokens (e.g. BOS, used
    /// for prompts); such tokens have empty spans.
    func encode(_ text: String, addingSpecialTokens: Bool) throws -> TokenEncoding
    /// The bytes each id contributes to a text in context (not at the text's start): byte-level
    /// BPE's mapped bytes, SentencePiece's `▁` as a space, byte-fallback tokens as their one byte,
    /// and no bytes for special tokens. Indexed by id.
    func vocabularyBytes() -> [[UInt8]]
}

/// Token ids with the byte span each covers in the encoded text.
public struct TokenEncoding: Sendable, Equatable {
    public var ids: [Int32]
    public var byteSpans: [Range<Int>]

    public init(ids: [Int32], byteSpans: [Range<Int>]) {
        precondition(ids.count == byteSpans.count)
        self.ids = ids
        self.byteSpans = byteSpans
    }
}
