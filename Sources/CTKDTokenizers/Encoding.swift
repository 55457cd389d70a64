/// The result of encoding one text: token ids and, for each, the exact bytes of the input it
/// covers.
///
/// `offsets[i]` is the half-open byte span of the UTF-8 input that token `i` stands for. Spans
/// follow each other without gap or overlap and cover the input, except that text the
/// tokenizer removes (e.g. by a `Strip` normalizer) is covered by no token, and tokens the
/// tokenizer inserts have empty spans: special tokens from the post-processor (at the start for
/// BOS, at the end for EOS), and a SentencePiece-style "▁" prepended to the text (at 0). A
/// token that holds part of a multi-byte character (byte-level BPE, byte fallback) covers just
/// its bytes. HF reports wider, character-aligned offsets; `Tokenizer.huggingFaceOffsets`
/// converts.
///
///     let encoding = try tokenizer.encode("Hello world")
///     encoding.ids       // [15496, 995]
///     encoding.offsets   // [0..<5, 5..<11]
public struct Encoding: Sendable, Equatable {
    public var ids: [Int]
    public var offsets: [ByteSpan]

    public init(ids: [Int] = [], offsets: [ByteSpan] = []) {
        self.ids = ids
        self.offsets = offsets
    }

    public var count: Int { ids.count }
}
