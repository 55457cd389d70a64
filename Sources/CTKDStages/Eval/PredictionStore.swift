import CTKDCore

/// The predictions of one evaluation, in SQLite (WAL), one row per example, committed a batch
/// at a time: after a kill the file holds every batch that finished and nothing of the one that
/// did not, so a rerun generates exactly the examples that are missing.
///
/// The `settings` table holds what the predictions depend on (model, tokenizer, data, generation
/// settings, batch size); a store made with other settings is refused rather than mixed.
///
///     let store = try PredictionStore(path: "eval/predictions.sqlite", settings: ["model": hash])
///     let done = try store.completedIDs()
///     try store.insert([StoredPrediction(id: "q1", index: 0, text: "Paris", tokens: [123], finishReason: "stop_token")])
final class PredictionStore {
    let database: SQLiteDatabase
    private let insertStatement: SQLiteStatement

    init(path: String, settings: [String: String]) throws {
        let database = try SQLiteDatabase(path: path)
        try database.execute("""
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS predictions (
                id TEXT PRIMARY KEY, example_index INTEGER NOT NULL, prediction TEXT NOT NULL,
                tokens BLOB NOT NULL, finish_reason TEXT NOT NULL);
            """)
        try database.transaction {
            let saved = Dictionary(try database.prepare("SELECT key, value FROM settings").rows().map {
                ($0[0].text ?? "", $0[1].text ?? "")
            }, uniquingKeysWith: { first, _ in first })
            if saved.isEmpty {
                let insert = try database.prepare("INSERT INTO settings VALUES (?, ?)")
                for (key, value) in settings.sorted(by: { $0.key < $1.key }) { try insert.run(.text(key), .text(value)) }
                return
            }
            let changed = Set(saved.keys).union(settings.keys).filter { saved[$0] != settings[$0] }.sorted()
            guard changed.isEmpty else {
                throw CTKDError("holds predictions made with other settings (\(changed.joined(separator: ", ")) changed); "
                                + "use another output directory", file: path)
            }
        }
        self.database = database
        insertStatement = try database.prepare("INSERT INTO predictions VALUES (?, ?, ?, ?, ?)")
    }

    func completedIDs() throws -> Set<String> {
        Set(try database.prepare("SELECT id FROM predictions").rows().compactMap { $0[0].text })
    }

    /// Stores one batch in one transaction.
    func insert(_ predictions: [StoredPrediction]) throws {
        try database.transaction {
            for prediction in predictions {
                var tokenBytes = [UInt8]()
                tokenBytes.reserveCapacity(prediction.tokens.count * 4)
                for token in prediction.tokens { withUnsafeBytes(of: token.littleEndian) { tokenBytes += $0 } }
                try insertStatement.run(.text(prediction.id), .integer(Int64(prediction.index)), .text(prediction.text),
                                        .blob(tokenBytes), .text(prediction.finishReason))
            }
        }
    }

    /// Every stored prediction by id.
    func all() throws -> [String: StoredPrediction] {
        var result = [String: StoredPrediction]()
        for row in try database.prepare("SELECT id, example_index, prediction, tokens, finish_reason FROM predictions").rows() {
            let bytes = row[3].blob ?? []
            let tokens = stride(from: 0, to: bytes.count - 3, by: 4).map { offset in
                Int32(littleEndian: bytes[offset..<(offset + 4)].enumerated().reduce(0) { $0 | Int32($1.element) << (8 * $1.offset) })
            }
            let prediction = StoredPrediction(id: row[0].text ?? "", index: Int(row[1].integer ?? 0), text: row[2].text ?? "",
                                              tokens: tokens, finishReason: row[4].text ?? "")
            result[prediction.id] = prediction
        }
        return result
    }
}

/// One generated answer.
struct StoredPrediction: Sendable, Equatable {
    var id: String
    /// The example's position in the evaluated (sampled) list.
    var index: Int
    /// The decoded answer, whitespace trimmed at both ends.
    var text: String
    var tokens: [Int32]
    var finishReason: String
}
