import CTKDCore
import CTKDLosses
import CTKDTokenizers

/// A record as one student sees it: its own tokens of prompt + response + EOS, and the response
/// positions the losses read.
///
/// Prompt and response are tokenized separately and concatenated (the handbook's rule), so each
/// response token's byte span lies inside the response. Input position j predicts token j + 1;
/// the response rows are `firstRow ..< firstRow + student.positions`.
struct StudentExample {
    /// The model's inputs, at most `sequenceLength` tokens.
    var inputs: [Int32]
    /// The row (input position) that predicts the first counted response token.
    var firstRow: Int
    var student: StudentSequence

    /// Tokenizes `record` for a model of `sequenceLength` input positions. A sequence that does not
    /// fit loses prompt tokens from its start first (the response is what the losses read), then
    /// response tokens from its end. Without prompt tokens the first response token has no row
    /// predicting it and is not counted.
    init(prompt: String, response: String, tokenizer: Tokenizer, endOfSequence: Int32?, sequenceLength: Int) throws {
        var promptIds = tokenizer.encode(prompt).ids.map(Int32.init)
        let encoded = tokenizer.encode(response)
        let responseBytes = Array(response.utf8)
        var responseIds = encoded.ids.map(Int32.init)
        var spans = encoded.offsets.map { CTKDLosses.ByteSpan(start: $0.lowerBound, end: $0.upperBound) }
        if let endOfSequence {
            responseIds.append(endOfSequence)
            spans.append(CTKDLosses.ByteSpan(start: responseBytes.count, end: responseBytes.count))
        }
        // Inputs are all tokens but the last, so the sequence may hold sequenceLength + 1 tokens.
        let capacity = sequenceLength + 1
        let excess = promptIds.count + responseIds.count - capacity
        if excess > 0 {
            let dropped = min(excess, max(0, promptIds.count - 1))
            promptIds.removeFirst(dropped)
            let remaining = promptIds.count + responseIds.count - capacity
            if remaining > 0 {
                responseIds.removeLast(remaining)
                spans.removeLast(remaining)
            }
        }
        let firstCounted = promptIds.isEmpty ? 1 : 0
        guard responseIds.count > firstCounted else {
            throw CTKDError("the response has no token a student position could predict (empty response?)")
        }
        let sequence = promptIds + responseIds
        inputs = Array(sequence.dropLast())
        firstRow = promptIds.count + firstCounted - 1
        student = try StudentSequence(targets: Array(responseIds[firstCounted...]),
                                      byteSpans: Array(spans[firstCounted...]), responseBytes: responseBytes)
    }
}
