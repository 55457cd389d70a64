import CTKDCore
import CTKDCache
import CTKDLosses

/// One training example as the student stage reads it: the text (which each student tokenizes
/// itself) and the teacher's targets over the response, in the losses' types (nil when the
/// example comes from a plain dataset, for SFT students).
public struct DistillRecord: Sendable {
    public var id: String
    public var prompt: String
    public var response: String
    public var teacher: CTKDLosses.TeacherSequence?

    public init(id: String, prompt: String, response: String, teacher: CTKDLosses.TeacherSequence?) {
        self.id = id
        self.prompt = prompt
        self.response = response
        self.teacher = teacher
    }

    /// Converts a cache record: teacher byte spans from the token ends, the decoded parts as the
    /// losses' targets (byte distributions expanded to the dense 257-symbol rows).
    public init(_ record: CacheRecord) throws {
        let tokens = record.tokens
        let spans = (0..<tokens.count).map { position -> CTKDLosses.ByteSpan in
            let range = tokens.byteSpan(position)
            return CTKDLosses.ByteSpan(start: range.lowerBound, end: range.upperBound)
        }
        do {
            let topK = try record.topK.map {
                try CTKDLosses.TopKTargets(k: $0.k, ids: $0.ids, logProbs: $0.logProbs, tailMass: $0.tailMass)
            }
            let sampled = try record.sampled.map {
                try CTKDLosses.SampledTargets(offsets: $0.offsets.map(Int.init), ids: $0.ids, counts: $0.counts)
            }
            let bytes = try record.bytes.map { targets -> ByteDistributions in
                var dense = [Float]()
                dense.reserveCapacity(targets.count * ByteDistributions.symbolCount)
                for offset in 0..<targets.count { dense += targets.dense(at: offset) }
                return try ByteDistributions(probabilities: dense)
            }
            self.init(id: record.id, prompt: record.prompt, response: record.response,
                      teacher: try CTKDLosses.TeacherSequence(byteSpans: spans, topK: topK, sampled: sampled,
                                                              byteDistributions: bytes))
        } catch let error as CTKDError {
            throw CTKDError("cache example \"\(record.id)\": \(error.message)", field: error.field)
        }
    }
}
