import Foundation
import CTKDCore

/// Turns one vLLM output line into a cache record: the response tokens with byte spans checked
/// against the response text, and per response position the entries ranked 1…k with the tail
/// mass they leave.
struct VLLMExample {
    let topK: Int
    let endOfSequence: Int32?
    /// N of the `sampled` extension (0: lines carry none).
    let sampleCount: Int

    func record(_ line: VLLMOutputLine, exampleIndex: Int, codec: CacheCodec) throws -> CacheRecord {
        let (ids, rows, field) = try line.tokensAndRows()
        func decoded(_ index: Int) throws -> String {
            guard let row = rows[index] else { throw CTKDError("is null at a response position", field: "\(field)[\(index)]") }
            guard let entry = row[String(ids[index])] else {
                throw CTKDError("has no entry for the prompt token itself (id \(ids[index])); vLLM always includes it", field: "\(field)[\(index)]")
            }
            guard let text = entry.decodedToken else {
                throw CTKDError("missing: byte spans need each token's decoded text (run vLLM with detokenization on)",
                                field: "\(field)[\(index)].\(ids[index]).decoded_token")
            }
            return text
        }
        for (index, id) in ids.enumerated() where id < 0 || id > Int(Int32.max) {
            throw CTKDError("token id \(id) out of range", field: "prompt_token_ids[\(index)]")
        }
        // SentencePiece's decode drops leading spaces: then no token of the line starts with one.
        let restoringSpaces = !(1..<ids.count).contains { rows[$0]?[String(ids[$0])]?.decodedToken?.hasPrefix(" ") == true }
        let response = Array(line.response.utf8)
        let hasEnd = endOfSequence.map { ids.count > 1 && Int32(ids[ids.count - 1]) == $0 } ?? false
        let textEnd = ids.count - (hasEnd ? 1 : 0)    // response text tokens are ids[start..<textEnd]

        let start: Int, byteEnds: [Int]
        if let given = line.responseTokenStart {
            guard given >= 1 && given <= textEnd else {
                throw CTKDError("must be in 1...\(textEnd) (position 0 has no log-probs)", field: "response_token_start")
            }
            start = given
            guard let ends = DecodedTokenSpans.tile(try (start..<textEnd).map(decoded), text: response, restoringSpaces: restoringSpaces) else {
                throw CTKDError("the decoded tokens \(try preview((start..<textEnd).map(decoded))) do not spell the response text \(JSONText.string(line.response))",
                                field: "response_token_start")
            }
            byteEnds = ends
        } else {
            (start, byteEnds) = try findResponse(textEnd: textEnd, response: response, restoringSpaces: restoringSpaces, decoded: decoded)
        }

        var topIDs = [Int32](), logProbs = [Float](), tails = [Float]()
        let positions = textEnd - start + (hasEnd ? 1 : 0)
        for position in 0..<positions {
            let index = start + position
            guard let row = rows[index] else { throw CTKDError("is null at a response position", field: "\(field)[\(index)]") }
            tails.append(try topEntries(row, field: "\(field)[\(index)]", ids: &topIDs, logProbs: &logProbs))
        }
        let tokenIDs = ids[start..<(start + positions)].map { Int32($0) }
        let ends = (byteEnds + (hasEnd ? [response.count] : [])).map { Int32($0) }
        let topKTargets = TopKTargets(k: topK, ids: topIDs, logProbs: logProbs, tailMass: tails)
        let statistics = RecordStatistics(topKKL: codec.topKQuantisationKL(topKTargets),
                                          tailMass: tails.reduce(0) { $0 + Double($1) })
        return CacheRecord(exampleIndex: exampleIndex, id: line.id, prompt: line.prompt, response: line.response,
                           tokens: TeacherTokens(ids: tokenIDs, byteEnds: ends), topK: topKTargets,
                           sampled: try sampledTargets(line.sampled, positions: positions),
                           bytes: nil, statistics: statistics)
    }

    /// Without `response_token_start`: the largest start whose tokens tile the response exactly
    /// (tokens that decode to nothing, like a separator special token, stay with the prompt).
    func findResponse(textEnd: Int, response: [UInt8], restoringSpaces: Bool, decoded: (Int) throws -> String) throws -> (Int, [Int]) {
        if response.isEmpty { return (textEnd, []) }
        var texts = [String](), nonEmpty = 0
        for start in stride(from: textEnd - 1, through: 1, by: -1) {
            let text = try decoded(start)
            texts.insert(text, at: 0)
            if !text.isEmpty { nonEmpty += 1 }
            if nonEmpty > response.count { break }    // every non-empty token covers at least one byte
            if let ends = DecodedTokenSpans.tile(texts, text: response, restoringSpaces: restoringSpaces) { return (start, ends) }
        }
        throw CTKDError("no suffix of the prompt tokens spells the response text \(JSONText.string(String(decoding: response, as: UTF8.self))) "
                        + "(last tokens: \(preview(Array(texts.suffix(8)))))); tokenize prompt and response separately, "
                        + "or give \"response_token_start\"" + (endOfSequence == nil ? ", or --end-of-sequence if the last token is EOS" : ""),
                        field: "response")
    }

    /// Appends the entries ranked 1…k (ascending id) and returns the tail mass 1 − Σ p.
    func topEntries(_ row: [String: VLLMLogprob], field: String, ids: inout [Int32], logProbs: inout [Float]) throws -> Float {
        var kept = [(id: Int32, logProb: Double, rank: Int)]()
        for (key, entry) in row {
            guard let id = Int32(key), id >= 0 else { throw CTKDError("key \"\(key)\" is not a token id", field: field) }
            guard let rank = entry.rank else {
                throw CTKDError("missing (ranks pick the top-k entries)", field: "\(field).\(key).rank")
            }
            let logProb = entry.logProbability
            guard logProb <= 1e-3 else { throw CTKDError("log-probability \(logProb) is above 0", field: "\(field).\(key).logprob") }
            if rank >= 1 && rank <= topK { kept.append((id, min(logProb, 0), rank)) }
        }
        guard kept.count >= topK else {
            throw CTKDError("holds \(kept.count) entries ranked 1…\(topK); was vLLM run with prompt_logprobs >= \(topK)?", field: field)
        }
        if kept.count > topK {   // ties: the prompt token may share a rank with a top-k entry
            kept.sort { ($0.logProb, -$0.rank, -$0.id) > ($1.logProb, -$1.rank, -$1.id) }
            kept.removeLast(kept.count - topK)
        }
        kept.sort { $0.id < $1.id }
        var head = 0.0
        for entry in kept {
            ids.append(entry.id)
            logProbs.append(Float(entry.logProb))
            head += exp(entry.logProb)
        }
        guard head <= 1 + 1e-3 else { throw CTKDError("the top-\(topK) probabilities add up to \(head) > 1", field: field) }
        return Float(max(0, 1 - head))
    }

    /// The `sampled` extension checked: one list per position, distinct ids, counts adding up to N.
    func sampledTargets(_ sampled: [[[Int]]]?, positions: Int) throws -> SampledTargets? {
        guard let sampled else {
            if sampleCount > 0 { throw CTKDError("missing: the first record has sampled targets (N = \(sampleCount)), so every record needs them", field: "sampled") }
            return nil
        }
        guard sampleCount > 0 else { throw CTKDError("present, but the first record has none", field: "sampled") }
        guard sampled.count == positions else { throw CTKDError("has \(sampled.count) positions, the response has \(positions)", field: "sampled") }
        var offsets: [Int32] = [0], ids = [Int32](), counts = [Int32]()
        for (position, pairs) in sampled.enumerated() {
            var seen = Set<Int>(), total = 0
            for (index, pair) in pairs.enumerated() {
                guard pair.count == 2, pair[0] >= 0, pair[0] <= Int(Int32.max), pair[1] >= 1, seen.insert(pair[0]).inserted else {
                    throw CTKDError("expected [token id, count ≥ 1] with distinct ids", field: "sampled[\(position)][\(index)]")
                }
                ids.append(Int32(pair[0]))
                counts.append(Int32(pair[1]))
                total += pair[1]
            }
            guard total == sampleCount else { throw CTKDError("counts add up to \(total), not N = \(sampleCount)", field: "sampled[\(position)]") }
            offsets.append(Int32(ids.count))
        }
        return SampledTargets(sampleCount: sampleCount, offsets: offsets, ids: ids, counts: counts)
    }

    func preview(_ texts: [String]) -> String {
        "[" + texts.prefix(12).map(JSONText.string).joined(separator: ", ") + (texts.count > 12 ? ", …]" : "]")
    }
}
