import CTKDCore
import CTKDData
import CTKDModels
import CTKDTokenizers

/// How a dataset example becomes token ids, the one convention of the handbook shared by training
/// (teacher and students) and evaluation: the prompt is encoded on its own (with the tokenizer's
/// special tokens, e.g. a BOS), the response on its own without them, and EOS follows the
/// response in training. So a model is asked at evaluation exactly what it saw before its answers.
///
///     let encoding = ExampleEncoding(tokenizer: tokenizer)
///     let example = encoding.supervised(DatasetExample(id: "a", prompt: "Q: 2+2?\nA:", response: " 4"))
///     // example.prompt = ids of "Q: 2+2?\nA:", example.response = ids of " 4"
public struct ExampleEncoding: Sendable {
    public let tokenizer: CTKDTokenizers.Tokenizer

    public init(tokenizer: CTKDTokenizers.Tokenizer) { self.tokenizer = tokenizer }

    /// The EOS id that ends responses (training appends it, generation stops at it).
    public var endOfSequence: Int32? { tokenizer.eosTokenID.map(Int32.init) }

    public func prompt(_ text: String) -> [Int32] {
        tokenizer.encode(text, addSpecialTokens: true).ids.map(Int32.init)
    }

    public func response(_ text: String) -> [Int32] {
        tokenizer.encode(text, addSpecialTokens: false).ids.map(Int32.init)
    }

    /// A training example; an example without a response is an error naming its id.
    public func supervised(_ example: DatasetExample) throws -> SupervisedExample {
        guard let response = example.response else {
            throw CTKDError("example \"\(example.id)\" has no response to train on", field: "response")
        }
        return SupervisedExample(prompt: prompt(example.prompt), response: self.response(response))
    }
}
