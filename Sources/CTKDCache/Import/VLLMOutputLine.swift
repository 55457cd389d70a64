import CTKDCore

/// One line of `ctkd cache import-vllm` input: the example (`id`, `prompt`, `response`) and the
/// vLLM output of a teacher-forced run over prompt + response (docs/cache.md, "Importing vLLM
/// output", lists the accepted shapes).
struct VLLMOutputLine: Decodable {
    var id: String
    var prompt: String
    var response: String
    /// Index in `prompt_token_ids` of the first response token; found by matching when absent.
    var responseTokenStart: Int?
    var promptTokenIDs: [Int]?
    var promptLogprobs: [[String: VLLMLogprob]?]?
    var output: VLLMOutput?
    /// A ctkd extension: per response position, `[token id, count]` pairs of N tokens drawn with
    /// replacement from the full distribution (e.g. from a `prompt_logprobs = -1` run).
    var sampled: [[[Int]]]?

    enum CodingKeys: String, CodingKey {
        case id, prompt, response, output, sampled
        case responseTokenStart = "response_token_start"
        case promptTokenIDs = "prompt_token_ids"
        case promptLogprobs = "prompt_logprobs"
    }

    /// The token ids and per-position log-prob dictionaries, wherever the line holds them:
    /// at the top level, in `output` (a serialised `RequestOutput` or completions choice), or in
    /// `output.choices[0]` (a completions API response); `prompt_token_ids` may sit at the top
    /// level while the log-probs come from `output` (servers without `return_token_ids`).
    func tokensAndRows() throws -> (ids: [Int], rows: [[String: VLLMLogprob]?], field: String) {
        var ids = promptTokenIDs, rows = promptLogprobs, field = "prompt_logprobs"
        if rows == nil, let output {
            if let inner = output.promptLogprobs {
                rows = inner
                ids = output.promptTokenIDs ?? ids
                field = "output.prompt_logprobs"
            } else if let choices = output.choices {
                guard choices.count == 1 else {
                    throw CTKDError("expected exactly one choice (a request with n = 1), found \(choices.count)", field: "output.choices")
                }
                rows = choices[0].promptLogprobs
                ids = choices[0].promptTokenIDs ?? ids
                field = "output.choices[0].prompt_logprobs"
            }
        }
        guard let rows else {
            throw CTKDError("no vLLM prompt log-probs: expected \"prompt_logprobs\" at the top level, in \"output\", or in \"output.choices[0]\"",
                            field: "prompt_logprobs")
        }
        guard let ids else {
            throw CTKDError("no prompt token ids: expected \"prompt_token_ids\" next to \"prompt_logprobs\" (vLLM: return_token_ids = true) or at the top level",
                            field: "prompt_token_ids")
        }
        guard ids.count == rows.count else {
            throw CTKDError("has \(rows.count) entries for \(ids.count) prompt token ids", field: field)
        }
        return (ids, rows, field)
    }
}

/// A `RequestOutput`, a completions choice, or a completions response (`choices`).
struct VLLMOutput: Decodable {
    var promptTokenIDs: [Int]?
    var promptLogprobs: [[String: VLLMLogprob]?]?
    var choices: [VLLMOutput]?

    enum CodingKeys: String, CodingKey {
        case choices
        case promptTokenIDs = "prompt_token_ids"
        case promptLogprobs = "prompt_logprobs"
    }
}

/// vLLM's `Logprob`: `{"logprob", "rank", "decoded_token"}`. The OpenAI-compatible server writes
/// −inf as −9999.0 (JSON has no infinity); both that and null read as probability 0.
struct VLLMLogprob: Decodable {
    var logprob: Double?
    var rank: Int?
    var decodedToken: String?

    enum CodingKeys: String, CodingKey {
        case logprob, rank
        case decodedToken = "decoded_token"
    }

    var logProbability: Double {
        guard let logprob, logprob > -9999 else { return -.infinity }
        return logprob
    }
}
