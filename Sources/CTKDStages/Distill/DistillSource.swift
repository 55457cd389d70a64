import Foundation
import CTKDCore
import CTKDCache
import CTKDData
import CTKDModels

/// Where the student stage is in its data: the epoch cursor and, while it follows a cache that is
/// still being written (epoch 0 of `--follow`), the example indices already used. Checkpointed.
public struct DistillCursor: Codable, Sendable, Equatable {
    public var data = DataCursor()
    /// Indices consumed in the followed first epoch, in order; nil once every example is in.
    public var followed: [Int]?
}

/// The examples the students train on: a teacher cache (read once per step for every student) or,
/// for SFT-only runs, a normalised dataset JSONL.
///
/// Epochs visit the examples in a seeded order (the same for every student). With `follow`, the
/// first epoch instead takes committed examples in index order as the teacher stage commits them,
/// waiting for new ones, until the cache is complete; later epochs are shuffled as usual.
final class DistillSource {
    enum Storage {
        case cache(CacheReader, CacheParts)
        case dataset([DatasetExample])
    }

    let storage: Storage
    let seed: UInt64
    let pollInterval: Double
    /// Set once every example is known (at once unless following an incomplete cache).
    private var indices: [Int]?
    private var order: EpochOrder?
    /// Seconds spent waiting for the teacher stage to commit examples.
    private(set) var waitSeconds = 0.0

    init(cache: CacheReader, parts: CacheParts, follow: Bool, seed: UInt64, pollInterval: Double) throws {
        storage = .cache(cache, parts)
        self.seed = seed
        self.pollInterval = pollInterval
        if try !cache.isComplete() && !follow {
            throw CTKDError("the teacher stage has not finished this cache (some shards are missing or incomplete); "
                            + "rerun with --follow to train while it is written", file: cache.directory)
        }
    }

    init(dataset path: String, seed: UInt64) throws {
        let examples = try DatasetFile.read(path).filter { $0.response != nil }
        guard !examples.isEmpty else { throw CTKDError("holds no example with a response to train on", file: path) }
        storage = .dataset(examples)
        self.seed = seed
        pollInterval = 1
    }

    /// Whether the cursor starts in follow mode.
    func initialCursor(follow: Bool) -> DistillCursor { DistillCursor(followed: follow ? [] : nil) }

    var fingerprint: String {
        switch storage {
        case .cache(let reader, _):
            let keys = ["teacher_weights_sha256", "tokenizer_sha256", "dataset_sha256", "top_k", "sampled", "byte_dist",
                        "prompt_template", "responses"]
            return keys.map { "\($0)=\(reader.metadata[$0] ?? "")" }.joined(separator: ";")
        case .dataset(let examples):
            var hasher = SHA256()
            for example in examples { hasher.update(example.id + "\u{0}" + example.prompt + "\u{0}" + (example.response ?? "") + "\u{0}") }
            return "dataset=" + hasher.finalizeHex()
        }
    }

    /// The next `count` examples, advancing the cursor.
    func next(_ count: Int, cursor: inout DistillCursor) throws -> [DistillRecord] {
        var records = [DistillRecord]()
        while records.count < count {
            if cursor.followed != nil, let index = try nextFollowed(&cursor) {
                records.append(try record(index))
                continue
            }
            records.append(try record(try nextInOrder(&cursor.data)))
        }
        return records
    }

    /// The smallest committed index not used yet; waits for the teacher stage; nil (and the
    /// cursor leaves follow mode, starting epoch 1) once every example has been used.
    private func nextFollowed(_ cursor: inout DistillCursor) throws -> Int? {
        guard case .cache(let reader, _) = storage else { cursor.followed = nil; return nil }
        var used = Set(cursor.followed!)
        while true {
            let complete = try reader.isComplete()   // before the indices: nothing committed in between is missed
            let committed = try reader.exampleIndices()
            if let index = committed.first(where: { !used.contains($0) }) {
                cursor.followed!.append(index)
                return index
            }
            if complete {
                cursor.followed = nil
                cursor.data = DataCursor(epoch: 1, position: 0)
                return nil
            }
            let start = Date()
            try StopSignal.checkpoint()
            usleep(UInt32(pollInterval * 1_000_000))
            waitSeconds += Date().timeIntervalSince(start)
            used = Set(cursor.followed!)
        }
    }

    private func nextInOrder(_ cursor: inout DataCursor) throws -> Int {
        if indices == nil {
            switch storage {
            case .cache(let reader, _): indices = try reader.exampleIndices()
            case .dataset(let examples): indices = Array(examples.indices)
            }
            guard !indices!.isEmpty else { throw CTKDError("the cache holds no example") }
            order = EpochOrder(count: indices!.count, seed: seed)
        }
        return indices![order!.next(&cursor)]
    }

    private func record(_ index: Int) throws -> DistillRecord {
        switch storage {
        case .cache(let reader, let parts):
            guard let record = try reader.record(index: index, parts: parts) else {
                throw CTKDError("example \(index) disappeared from the cache", file: reader.directory)
            }
            return try DistillRecord(record)
        case .dataset(let examples):
            let example = examples[index]
            return DistillRecord(id: example.id, prompt: example.prompt, response: example.response ?? "", teacher: nil)
        }
    }
}
