import Foundation
import CTKDCore

/// `ctkd cache import-vllm`: builds a cache from vLLM prompt log-probs of a teacher-forced run
/// over prompt + response, so that a teacher served by vLLM (a GPU fleet) fills the same cache
/// `ctkd teach` does: top-k with tail mass and token byte spans, sampled targets when lines carry
/// them (a ctkd extension), no byte part.
///
/// Streams the input (lines can hold megabytes of JSON each), commits batches in one transaction
/// each, and resumes like `ctkd teach`: a rerun skips committed examples, and refuses a different
/// input or settings.
///
///     var settings = VLLMImport.Settings(topK: 64)
///     let summary = try VLLMImport.run(input: "vllm.jsonl", output: "cache", settings: settings)
public enum VLLMImport {
    public struct Settings: Sendable {
        /// Entries ranked 1…k are kept (vLLM must have been run with `prompt_logprobs >= k`).
        public var topK: Int
        /// A final response token with this id is EOS: a position with an empty span at the end.
        public var endOfSequence: Int32?
        /// Recorded as the teacher's identity (vLLM output does not name its model).
        public var teacherName = "unknown"
        /// The teacher's tokenizer file, hashed into the metadata when given.
        public var tokenizerPath: String?
        public var batchSize = 64
        public var codec = CodecParameters()

        public init(topK: Int, endOfSequence: Int32? = nil) {
            self.topK = topK
            self.endOfSequence = endOfSequence
        }
    }

    public struct Summary: Sendable {
        public var examplesWritten = 0
        public var examplesSkipped = 0
        public var positionsWritten = 0
    }

    /// The token order comes from the token ids of the first `orderSampleRecords` records.
    public static let orderSampleRecords = 1000

    public static func run(input: String, output: String, settings: Settings, showProgress: Bool = true) throws -> Summary {
        let decoder = JSONDecoder()
        var count = 0, tokenCounts = [Int32: Int](), sampleCount = 0
        try JSONLines.forEachLine(streamingFrom: input) { _, bytes in
            count += 1
            guard count <= orderSampleRecords else { return }
            let line = try JSONLines.decodeLine(VLLMOutputLine.self, bytes, decoder: decoder)
            if count == 1 { sampleCount = line.sampled?.first?.reduce(0) { $0 + ($1.last ?? 0) } ?? 0 }
            for id in try line.tokensAndRows().ids where id >= 0 && id <= Int(Int32.max) { tokenCounts[Int32(id), default: 0] += 1 }
        }
        let writer = try ShardWriter(directory: output, shard: ShardName(index: 0, count: 1),
                                     metadata: try metadata(input: input, examples: count, sampleCount: sampleCount, settings: settings),
                                     tokenOrder: TokenOrder(counts: tokenCounts))
        var summary = Summary(examplesSkipped: writer.committed.count)
        let example = VLLMExample(topK: settings.topK, endOfSequence: settings.endOfSequence, sampleCount: sampleCount)
        let progress = showProgress
            ? ProgressReporter(label: "import-vllm", total: count, unit: "examples", alreadyCompleted: summary.examplesSkipped)
            : nil
        var seen = Set<String>(), batch = [CacheRecord](), index = 0
        func commit() throws {
            try writer.commit(batch)
            summary.examplesWritten += batch.count
            summary.positionsWritten += batch.reduce(0) { $0 + $1.positions }
            batch.removeAll()
            progress?.update(completed: summary.examplesSkipped + summary.examplesWritten)
            try StopSignal.checkpoint()
        }
        try JSONLines.forEachLine(streamingFrom: input) { _, bytes in
            defer { index += 1 }
            if writer.committed.contains(index) {
                let id = try JSONLines.decodeLine(ExampleID.self, bytes, decoder: decoder).id
                guard seen.insert(id).inserted else { throw CTKDError("duplicate id \"\(id)\"", field: "id") }
                return
            }
            let line = try JSONLines.decodeLine(VLLMOutputLine.self, bytes, decoder: decoder)
            guard seen.insert(line.id).inserted else { throw CTKDError("duplicate id \"\(line.id)\"", field: "id") }
            batch.append(try example.record(line, exampleIndex: index, codec: writer.codec.codec))
            if batch.count == settings.batchSize { try commit() }
        }
        if !batch.isEmpty { try commit() }
        try writer.markComplete(examples: count)
        progress?.finish(completed: count)
        return summary
    }

    struct ExampleID: Decodable { var id: String }

    /// The metadata keys of schemas/README.md that an import defines.
    static func metadata(input: String, examples: Int, sampleCount: Int, settings: Settings) throws -> CacheMetadata {
        var metadata = CacheMetadata.common(source: "import-vllm", codec: settings.codec)
        metadata["teacher_weights_sha256"] = "unknown"
        metadata["teacher_config"] = JSONText.string(settings.teacherName)
        metadata["tokenizer_sha256"] = try settings.tokenizerPath.map { try SHA256.hex(fileAt: $0) } ?? "unknown"
        metadata["dataset_sha256"] = try SHA256.hex(fileAt: input)
        metadata["dataset_examples"] = String(examples)
        metadata["responses"] = "data"
        metadata["top_k"] = String(settings.topK)
        metadata["sampled"] = String(sampleCount)
        metadata["byte_dist"] = "false"
        metadata["end_of_sequence"] = settings.endOfSequence.map { String($0) } ?? "none"
        metadata["shard_count"] = "1"
        return metadata
    }
}
