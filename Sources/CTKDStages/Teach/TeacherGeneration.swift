import CTKDCore
import CTKDCache

/// `--responses teacher`: the teacher writes the response (as the ULD and MultiLevelOT papers
/// train on), through the same branch API the byte beam uses — a prefill of the prompt, then one
/// branch per new token (an engine that keeps branch KV entries decodes one token per step).
enum TeacherGeneration {
    /// Generated token ids (without EOS), trimmed so their bytes are valid UTF-8.
    static func generate(teacher: any TeacherModel, promptIDs: [Int32], endOfSequence: Int32?,
                         vocabularyBytes: [[UInt8]], settings: TeachConfiguration.Generation,
                         random: inout SeededRandom) throws -> [Int32] {
        let prefill = try teacher.prefill([TeacherSequence(tokens: promptIDs, firstRow: promptIDs.count - 1)])
        var generated = [Int32]()
        var row = [Float](repeating: 0, count: teacher.vocabularySize)
        for step in 0..<settings.maxNewTokens {
            if step == 0 {
                let first = prefill.logProbs(sequence: 0, prefixLength: promptIDs.count)
                for index in row.indices { row[index] = first[index] }
            } else {
                try row.withUnsafeMutableBufferPointer { buffer in
                    try prefill.evaluate([BranchRequest(sequence: 0, prefixLength: promptIDs.count, extraTokens: generated)], into: buffer)
                }
            }
            let token = try row.withUnsafeBufferPointer { buffer in
                try choose(buffer, temperature: settings.temperature, vocabularyBytes: vocabularyBytes,
                           endOfSequence: endOfSequence, random: &random)
            }
            if token == endOfSequence { break }
            generated.append(token)
        }
        while !generated.isEmpty && String(validating: generated.flatMap { vocabularyBytes[Int($0)] }, as: UTF8.self) == nil {
            generated.removeLast()
        }
        return generated
    }

    /// Greedy at temperature 0, else a draw from softmax(logProbs / temperature). Tokens without
    /// bytes other than EOS are never chosen (they would add nothing to the response text).
    static func choose(_ row: UnsafeBufferPointer<Float>, temperature: Double, vocabularyBytes: [[UInt8]],
                       endOfSequence: Int32?, random: inout SeededRandom) throws -> Int32 {
        func allowed(_ id: Int) -> Bool { id < vocabularyBytes.count && (!vocabularyBytes[id].isEmpty || Int32(id) == endOfSequence) }
        if temperature <= 0 {
            var best = -1
            for id in row.indices where allowed(id) && (best < 0 || row[id] > row[best]) { best = id }
            guard best >= 0 else { throw CTKDError("the teacher's vocabulary has no token to generate") }
            return Int32(best)
        }
        let scaled = row.indices.map { allowed($0) ? Double(row[$0]) / temperature : -.infinity }
        let maximum = scaled.max() ?? 0
        let weights = scaled.map { exp($0 - maximum) }
        var target = random.nextDouble() * weights.reduce(0, +)
        for (id, weight) in weights.enumerated() where weight > 0 {
            target -= weight
            if target < 0 { return Int32(id) }
        }
        return Int32(weights.lastIndex { $0 > 0 } ?? 0)
    }
}

import Foundation
