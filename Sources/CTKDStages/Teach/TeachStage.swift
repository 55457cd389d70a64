import Foundation
import CTKDCore
import CTKDCache

/// The teacher stage: runs the teacher over the data once and writes every target a student
/// needs into this process's shard of the cache (methods.md §1–2, schemas/README.md).
///
/// Resumable: examples already committed are skipped, batches commit in one transaction each,
/// and every example's targets depend only on the example (sampling is seeded by its id), so an
/// interrupted and resumed run stores exactly what an uninterrupted one does.
///
///     var configuration = TeachConfiguration(dataPath: "train.jsonl", outputDirectory: "cache")
///     configuration.byteDistributions = true
///     let summary = try TeachStage.run(configuration, teacher: model, tokenizer: tokenizer)
public enum TeachStage {
    public struct Summary: Sendable {
        public var examplesWritten = 0
        public var examplesSkipped = 0
        public var positionsWritten = 0
        public var complete = false
        /// Wall-clock seconds of this run, and the parts spent in the teacher's prefill (plain
        /// teacher-forced inference) and in the byte distributions (beam, branch evaluations).
        public var seconds = 0.0
        public var prefillSeconds = 0.0
        public var byteDistributionSeconds = 0.0
    }

    public static func run(_ configuration: TeachConfiguration, teacher: any TeacherModel,
                           tokenizer: any TeacherTokenizer, showProgress: Bool = true) throws -> Summary {
        let examples = try TeachExample.load(configuration.dataPath, needResponses: configuration.responses == .data)
        let vocabularyBytes = tokenizer.vocabularyBytes()
        guard vocabularyBytes.count <= teacher.vocabularySize else {
            throw CTKDError("the tokenizer has \(vocabularyBytes.count) ids but the teacher's rows have \(teacher.vocabularySize) entries")
        }
        let metadata = try cacheMetadata(configuration, teacher: teacher, tokenizer: tokenizer, exampleCount: examples.count)
        let writer = try ShardWriter(directory: configuration.outputDirectory, shard: configuration.shard, metadata: metadata,
                                     tokenOrder: try tokenOrder(examples, configuration, tokenizer),
                                     vocabularySize: teacher.vocabularySize)
        let owned = examples.indices.filter { configuration.shard.owns(exampleIndex: $0) }
        let pending = owned.filter { !writer.committed.contains($0) }
        var summary = Summary(examplesSkipped: owned.count - pending.count)

        let worker = ExampleWorker(configuration: configuration, codec: writer.codec.codec, teacher: teacher, tokenizer: tokenizer,
                                   vocabularyBytes: vocabularyBytes)
        let progress = showProgress
            ? ProgressReporter(label: "teach \(configuration.shard)", total: owned.count, unit: "examples",
                               alreadyCompleted: summary.examplesSkipped)
            : nil
        let start = Date()
        for batchStart in stride(from: 0, to: pending.count, by: configuration.batchSize) {
            let batch = Array(pending[batchStart..<min(pending.count, batchStart + configuration.batchSize)])
            let records = try worker.records(for: batch.map { ($0, examples[$0]) })
            try writer.commit(records)
            summary.examplesWritten += records.count
            summary.positionsWritten += records.reduce(0) { $0 + $1.positions }
            let seconds = max(Date().timeIntervalSince(start), 1e-9)
            progress?.update(completed: summary.examplesSkipped + summary.examplesWritten,
                             detail: "\(ProgressReporter.formatRate(Double(summary.positionsWritten) / seconds)) positions/s")
            try StopSignal.checkpoint()
        }
        try writer.markComplete(examples: owned.count)
        summary.complete = true
        summary.seconds = Date().timeIntervalSince(start)
        summary.prefillSeconds = worker.prefillSeconds
        summary.byteDistributionSeconds = worker.byteDistributionSeconds
        progress?.finish(completed: owned.count)
        return summary
    }

    /// The cache's token order: ids by how often they occur in the whole dataset's prompts (as
    /// templated) and responses, plus EOS once per example, so every shard derives the same order.
    static func tokenOrder(_ examples: [TeachExample], _ configuration: TeachConfiguration,
                           _ tokenizer: any TeacherTokenizer) throws -> TokenOrder {
        var counts = [Int32: Int]()
        for example in examples {
            var ids = try tokenizer.encode(configuration.prompt(example.prompt), addingSpecialTokens: true).ids
            if configuration.responses == .data, let response = example.response {
                ids += try tokenizer.encode(response, addingSpecialTokens: false).ids
            }
            if let end = tokenizer.endOfSequence { ids.append(end) }
            for id in ids { counts[id, default: 0] += 1 }
        }
        return TokenOrder(counts: counts)
    }

    /// The metadata keys of schemas/README.md for this run.
    static func cacheMetadata(_ configuration: TeachConfiguration, teacher: any TeacherModel,
                              tokenizer: any TeacherTokenizer, exampleCount: Int) throws -> CacheMetadata {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func json<T: Encodable>(_ value: T) -> String { String(decoding: try! encoder.encode(value), as: UTF8.self) }
        var metadata = CacheMetadata.common(source: "teach", codec: configuration.codec)
        let keys: [String: String] = [
            "teacher_weights_sha256": teacher.identity.weightsSHA256,
            "teacher_config": teacher.identity.configuration,
            "tokenizer_sha256": tokenizer.identity,
            "dataset_sha256": try SHA256.hex(fileAt: configuration.dataPath),
            "dataset_examples": String(exampleCount),
            "prompt_template": configuration.promptTemplate,
            "responses": configuration.responses.rawValue,
            "top_k": String(configuration.topK),
            "sampled": String(configuration.sampledCount),
            "sample_seed": String(configuration.sampleSeed),
            "byte_dist": configuration.byteDistributions ? "true" : "false",
            "shard_count": String(configuration.shard.count),
        ]
        metadata.values.merge(keys) { $1 }
        metadata["end_of_sequence"] = tokenizer.endOfSequence.map { String($0) } ?? "none"
        if configuration.byteDistributions { metadata["beam"] = json(configuration.beam) }
        if configuration.responses == .teacher { metadata["generation"] = json(configuration.generation) }
        return metadata
    }
}

/// Turns a batch of examples into cache records: tokenize (or generate), one prefill, top-k and
/// sampled targets per position, byte distributions per response byte.
final class ExampleWorker {
    let configuration: TeachConfiguration
    let codec: CacheCodec
    let teacher: any TeacherModel
    let tokenizer: any TeacherTokenizer
    let vocabularyBytes: [[UInt8]]
    let trie: VocabularyTrie
    let endOfSequence: Int32?
    private(set) var prefillSeconds = 0.0
    private(set) var byteDistributionSeconds = 0.0

    init(configuration: TeachConfiguration, codec: CacheCodec, teacher: any TeacherModel, tokenizer: any TeacherTokenizer,
         vocabularyBytes: [[UInt8]]) {
        self.configuration = configuration
        self.codec = codec
        self.teacher = teacher
        self.tokenizer = tokenizer
        self.vocabularyBytes = vocabularyBytes
        trie = VocabularyTrie(vocabularyBytes: vocabularyBytes)
        endOfSequence = tokenizer.endOfSequence
    }

    struct Prepared {
        var index: Int
        var example: TeachExample
        var response: String
        var promptIDs: [Int32]
        var text: BeamText
    }

    func records(for batch: [(Int, TeachExample)]) throws -> [CacheRecord] {
        let prepared = try batch.map { index, example in
            do {
                return try prepare(index, example)
            } catch let error as CTKDError {
                throw CTKDError("example \"\(example.id)\" (record \(index + 1)): \(error.message)", file: configuration.dataPath)
            }
        }
        var clock = Date()
        let prefill = try teacher.prefill(prepared.map {
            TeacherSequence(tokens: $0.promptIDs + $0.text.tokens, firstRow: $0.promptIDs.count - 1)
        })
        prefillSeconds += Date().timeIntervalSince(clock)
        var bytes = [[Float]?](repeating: nil, count: prepared.count)
        var statistics = [RecordStatistics](repeating: RecordStatistics(), count: prepared.count)
        if configuration.byteDistributions {
            clock = Date()
            try byteDistributions(prepared, prefill, into: &bytes, &statistics)
            byteDistributionSeconds += Date().timeIntervalSince(clock)
        }
        return prepared.enumerated().map { sequence, item in
            record(item, sequence: sequence, prefill: prefill, dense: bytes[sequence], statistics: statistics[sequence])
        }
    }

    func prepare(_ index: Int, _ example: TeachExample) throws -> Prepared {
        let promptIDs = try tokenizer.encode(configuration.prompt(example.prompt), addingSpecialTokens: true).ids
        guard !promptIDs.isEmpty else {
            throw CTKDError("the prompt encodes to no tokens; the teacher needs at least one token (e.g. BOS) before the response")
        }
        let tokens: [Int32], ends: [Int], response: String
        switch configuration.responses {
        case .data:
            response = example.response ?? ""
            let encoding = try tokenizer.encode(response, addingSpecialTokens: false)
            tokens = encoding.ids
            ends = encoding.byteSpans.map(\.upperBound)
        case .teacher:
            var random = SeededRandom(seed: configuration.generation.seed ^ ExampleWorker.hash(example.id))
            tokens = try TeacherGeneration.generate(
                teacher: teacher, promptIDs: promptIDs, endOfSequence: endOfSequence, vocabularyBytes: vocabularyBytes,
                settings: configuration.generation, random: &random)
            var offset = 0
            ends = tokens.map { offset += vocabularyBytes[Int($0)].count; return offset }
            response = String(decoding: tokens.flatMap { vocabularyBytes[Int($0)] }, as: UTF8.self)
        }
        let text = BeamText(bytes: Array(response.utf8), tokens: tokens, tokenEnds: ends)
        try text.validate(vocabularyBytes: vocabularyBytes)
        return Prepared(index: index, example: example, response: response, promptIDs: promptIDs, text: text)
    }

    func record(_ item: Prepared, sequence: Int, prefill: any TeacherPrefill, dense: [Float]?,
                statistics: RecordStatistics) -> CacheRecord {
        var statistics = statistics
        let positionCount = item.text.tokens.count + (endOfSequence == nil ? 0 : 1)
        let tokenIDs = item.text.tokens + (endOfSequence.map { [$0] } ?? [])
        let byteEnds = (item.text.tokenEnds + (endOfSequence == nil ? [] : [item.text.bytes.count])).map { Int32($0) }
        let k = min(configuration.topK, teacher.vocabularySize)
        var ids = [Int32](), logProbs = [Float](), tails = [Float]()
        var sampledIDs = [Int32](), sampledCounts = [Int32](), offsets: [Int32] = [0]
        var random = SeededRandom(seed: configuration.sampleSeed ^ ExampleWorker.hash(item.example.id))
        for position in 0..<positionCount {
            let row = prefill.logProbs(sequence: sequence, prefixLength: item.promptIDs.count + position)
            tails.append(TargetExtraction.topK(row, k: k, ids: &ids, logProbs: &logProbs))
            if configuration.sampledCount > 0 {
                TargetExtraction.sample(row, count: configuration.sampledCount, random: &random,
                                        ids: &sampledIDs, counts: &sampledCounts)
                offsets.append(Int32(sampledIDs.count))
            }
        }
        let topK = TopKTargets(k: k, ids: ids, logProbs: logProbs, tailMass: tails)
        let parameters = configuration.codec
        statistics.topKKL = codec.topKQuantisationKL(topK)
        statistics.tailMass = tails.reduce(0) { $0 + Double($1) }
        var byteTargets: ByteTargets?
        if let dense {
            let sparse = ByteDistributionCodec.sparsify(dense, settings: parameters.bytes)
            let decoded = try! ByteDistributionCodec.encode(sparse, response: item.text.bytes, settings: parameters.bytes).withUnsafeBytes {
                try ByteDistributionCodec.decode($0, response: item.text.bytes, settings: parameters.bytes)
            }
            statistics.byteKL = ByteDistributionCodec.reconstructionKL(original: dense, decoded: decoded).reduce(0, +)
            byteTargets = sparse
        }
        return CacheRecord(
            exampleIndex: item.index, id: item.example.id, prompt: item.example.prompt, response: item.response,
            tokens: TeacherTokens(ids: tokenIDs, byteEnds: byteEnds), topK: topK,
            sampled: configuration.sampledCount > 0
                ? SampledTargets(sampleCount: configuration.sampledCount, offsets: offsets, ids: sampledIDs, counts: sampledCounts)
                : nil,
            bytes: byteTargets, statistics: statistics)
    }

    /// Byte distributions for the batch; the beam's and the single-pass targets are compared to
    /// record the single-pass error (on every example in beam mode, on an audit subset otherwise).
    func byteDistributions(_ prepared: [Prepared], _ prefill: any TeacherPrefill,
                           into output: inout [[Float]?], _ statistics: inout [RecordStatistics]) throws {
        let texts = prepared.enumerated().map {
            ByteBeam.PrefilledText(sequence: $0.offset, promptCount: $0.element.promptIDs.count, text: $0.element.text)
        }
        let singlePass = texts.map { text in
            ByteBeam.singlePassDistributions(trie: trie, endOfSequence: endOfSequence, text: text.text) {
                prefill.logProbs(sequence: text.sequence, prefixLength: text.promptCount + $0)
            }.distributions
        }
        let beamSettings = configuration.beam
        let beamTexts: [ByteBeam.PrefilledText]
        switch beamSettings.mode {
        case .beam: beamTexts = texts
        case .singlePass:
            beamTexts = texts.filter { prepared[$0.sequence].index % configuration.singlePassAuditInterval == 0 }
        }
        let auditSettings = beamSettings.mode == .beam ? beamSettings : ByteBeamSettings()
        let beams = try ByteBeam.run(texts: beamTexts, prefill: prefill, vocabularySize: teacher.vocabularySize,
                                     trie: trie, endOfSequence: endOfSequence, settings: auditSettings)
        for sequence in prepared.indices { output[sequence] = singlePass[sequence] }
        for (text, beam) in zip(beamTexts, beams) {
            statistics[text.sequence].beamKL = ExampleWorker.klSum(beam.distributions, singlePass[text.sequence])
            if beamSettings.mode == .beam {
                output[text.sequence] = beam.distributions
                statistics[text.sequence].beamEvaluations = beam.evaluationCount
            }
        }
    }

    /// Σ over offsets of KL(p ‖ q) between two sets of 257-symbol distributions.
    static func klSum(_ p: [Float], _ q: [Float]) -> Double {
        var total = 0.0
        for index in p.indices where p[index] > 0 {
            total += Double(p[index]) * log(Double(p[index]) / max(Double(q[index]), 1e-30))
        }
        return total
    }

    /// FNV-1a of the example id: seeds per-example randomness independently of order and shard.
    static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return hash
    }
}
