import Foundation
import CTKDCore
import CTKDCache
import CTKDLosses

/// What each loss needs from the cache, checked before any training so that a wrong cache is one
/// clear message rather than an error at some later step.
enum DistillRequirements {
    /// The parts of each record the students read (tokens always).
    static func parts(_ students: [StudentDefinition]) -> CacheParts {
        var parts: CacheParts = []
        for student in students {
            switch student.objective.method {
            case .sft: break
            case .kl, .uld, .mlot: parts.insert(.topK)
            case .sampled: parts.insert(.sampled)
            case .bld: parts.insert(.bytes)
            }
        }
        return parts
    }

    /// The teacher's vocabulary size when the cache's teacher configuration names it.
    static func teacherVocabularySize(_ metadata: CacheMetadata) -> Int? {
        guard let text = metadata["teacher_config"],
              let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
        let value = object["vocab_size"] ?? object["vocabulary_size"]
        return (value as? NSNumber)?.intValue ?? (value as? String).flatMap { Int($0) }
    }

    static func check(_ student: DistillStudent, cache: CacheReader?) throws {
        let method = student.definition.objective.method
        guard method != .sft else { return }
        guard let cache else {
            throw CTKDError("student \(student.name): loss \(method.rawValue) needs a teacher cache (--cache)")
        }
        let metadata = cache.metadata
        func refuse(_ message: String) -> CTKDError {
            CTKDError("student \(student.name): loss \(method.rawValue) \(message)", file: cache.directory)
        }
        switch method {
        case .sft:
            break
        case .kl, .uld, .mlot:
            guard Int(metadata["top_k"] ?? "0") ?? 0 > 0 else {
                throw refuse("needs the teacher's top-k log-probs, and this cache holds none")
            }
        case .sampled:
            guard Int(metadata["sampled"] ?? "0") ?? 0 > 0 else {
                throw refuse("needs sampled teacher tokens, and this cache holds none (made without --sampled N)")
            }
        case .bld:
            guard metadata["byte_dist"] == "true" else {
                throw refuse("needs the teacher's next-byte distributions, and this cache holds none (made without --byte-dist)")
            }
        }
        if method.needsSameTokenizer {
            let teacher = metadata["tokenizer_sha256"] ?? "unknown"
            guard teacher == student.tokenizerSHA256 else {
                throw refuse("compares token ids, so the student needs the teacher's tokenizer: the cache was made with "
                             + "tokenizer sha256 \(teacher.prefix(16))…, \(student.definition.tokenizerPath) has "
                             + "\(student.tokenizerSHA256.prefix(16))… (use uld, mlot or bld across tokenizers)")
            }
        }
    }
}
