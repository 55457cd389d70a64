import CTKDCore

/// One shard file: the SQLite database of schemas/shard.sql.
public final class Shard {
    public static let schemaVersion = 2
    public static let applicationID: Int64 = 0x6374_6B64

    public let path: String
    public let database: SQLiteDatabase

    /// The schema, kept identical to schemas/shard.sql (a test compares them).
    public static let schema = """
        PRAGMA application_id = 1668574052;
        PRAGMA user_version = 2;
        CREATE TABLE IF NOT EXISTS metadata (
            key   TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS codebook (
            name  TEXT PRIMARY KEY NOT NULL,
            value BLOB NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS examples (
            example_index    INTEGER PRIMARY KEY,
            id               TEXT NOT NULL UNIQUE,
            prompt           TEXT NOT NULL,
            response         TEXT NOT NULL,
            positions        INTEGER NOT NULL,
            response_bytes   INTEGER NOT NULL,
            tokens           BLOB NOT NULL,
            top_k            BLOB,
            sampled          BLOB,
            byte_dist        BLOB,
            top_k_kl         REAL NOT NULL,
            tail_mass        REAL NOT NULL,
            byte_kl          REAL NOT NULL,
            beam_kl          REAL,
            beam_evaluations INTEGER NOT NULL,
            checksum         INTEGER NOT NULL
        );
        """

    static let rowColumns = "example_index, id, prompt, response, positions, response_bytes, tokens, top_k, sampled, byte_dist, top_k_kl, tail_mass, byte_kl, beam_kl, beam_evaluations, checksum"

    /// Opens an existing shard read-only and checks that it is a ctkd shard of a known version.
    public init(readingAt path: String) throws {
        self.path = path
        database = try SQLiteDatabase(path: path, mode: .readOnly)
        try database.execute("PRAGMA query_only = 1")
        try checkSchemaVersion()
    }

    /// Opens or creates a shard for writing (WAL, so readers keep reading while it is written).
    public init(writingAt path: String) throws {
        self.path = path
        database = try SQLiteDatabase(path: path, mode: .readWriteCreate)
        try database.execute("PRAGMA journal_mode = WAL")
        // NORMAL in WAL mode: a committed transaction survives a killed process; only an OS crash
        // can lose the last commits, which a rerun then redoes.
        try database.execute("PRAGMA synchronous = NORMAL")
        let version = try database.scalar("PRAGMA user_version")?.integer ?? 0
        if version == 0 {
            let tables = try database.scalar("SELECT count(*) FROM sqlite_master")?.integer ?? 0
            guard tables == 0 else { throw CTKDError("is a SQLite file but not a ctkd cache shard", file: path) }
            try database.transaction { try database.execute(Shard.schema) }
        }
        try checkSchemaVersion()
    }

    func checkSchemaVersion() throws {
        let application = try database.scalar("PRAGMA application_id")?.integer ?? 0
        let version = try database.scalar("PRAGMA user_version")?.integer ?? 0
        guard application == Shard.applicationID else { throw CTKDError("not a ctkd cache shard (application_id \(application))", file: path) }
        guard version == Int64(Shard.schemaVersion) else {
            throw CTKDError("shard schema version \(version); this ctkd reads version \(Shard.schemaVersion)", file: path)
        }
    }

    public func readMetadata() throws -> CacheMetadata {
        var values = [String: String]()
        for row in try database.prepare("SELECT key, value FROM metadata").rows() {
            if let key = row[0].text, let value = row[1].text { values[key] = value }
        }
        return CacheMetadata(values)
    }

    public func writeMetadata(_ metadata: CacheMetadata) throws {
        let insert = try database.prepare("INSERT OR REPLACE INTO metadata (key, value) VALUES (?, ?)")
        for (key, value) in metadata.values.sorted(by: { $0.key < $1.key }) { try insert.run(.text(key), .text(value)) }
    }

    /// The `token_order` codebook entry: the shard's token order, checked against the SHA-256
    /// the metadata records.
    public func readTokenOrder(metadata: CacheMetadata) throws -> TokenOrder {
        let statement = try database.prepare("SELECT value FROM codebook WHERE name = 'token_order'")
        try statement.bind([])
        guard try statement.step() else { throw CTKDError("has no token order (codebook entry token_order)", file: path) }
        return try statement.withBlob(at: 0) { blob in
            guard SHA256.hex(blob) == metadata["token_order_sha256"] else {
                throw CTKDError("the token order does not match its SHA-256 in the metadata (damaged shard)", file: path)
            }
            do {
                var reader = ByteReader(blob)
                let vocabularySize = try reader.count(max: Int(Int32.max), "vocabulary size")
                return try TokenOrder.deserialize(UnsafeRawBufferPointer(rebasing: blob[reader.position...]), vocabularySize: vocabularySize)
            } catch let error as CacheFormatError {
                throw CTKDError("token order: \(error.message)", file: path)
            }
        }
    }

    /// The `token_order` codebook entry's bytes: the vocabulary size hint, then the order.
    public static func tokenOrderEntry(_ order: TokenOrder, vocabularySize: Int) -> [UInt8] {
        var writer = ByteWriter()
        writer.varint(vocabularySize)
        writer.append(order.serialized)
        return writer.bytes
    }

    public func writeCodebook(name: String, _ value: [UInt8]) throws {
        try database.prepare("INSERT OR REPLACE INTO codebook (name, value) VALUES (?, ?)").run(.text(name), .blob(value))
    }

    /// The example indices committed so far.
    public func committedIndices() throws -> [Int] {
        let statement = try database.prepare("SELECT example_index FROM examples ORDER BY example_index")
        var result = [Int]()
        try statement.bind([])
        while try statement.step() { result.append(statement.int(at: 0)) }
        return result
    }

    public func insert(_ rows: [EncodedRow]) throws {
        let statement = try database.prepare("INSERT INTO examples (\(Shard.rowColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        for row in rows {
            let statistics = row.statistics
            try statement.run(
                .integer(Int64(row.exampleIndex)), .text(row.id), .text(row.prompt), .text(row.response),
                .integer(Int64(row.positions)), .integer(Int64(row.responseBytes)), .blob(row.tokens),
                row.topK.map { .blob($0) } ?? .null, row.sampled.map { .blob($0) } ?? .null, row.bytes.map { .blob($0) } ?? .null,
                .real(statistics.topKKL), .real(statistics.tailMass), .real(statistics.byteKL),
                statistics.beamKL.map { .real($0) } ?? .null, .integer(Int64(statistics.beamEvaluations)),
                .integer(Int64(bitPattern: row.checksum)))
        }
    }

    /// Calls `body` with every committed row (in example order, or only `where` matching), read
    /// inside one transaction so the rows form one snapshot. The view's blobs point into
    /// SQLite's memory (no copy) and are valid only inside `body`.
    public func forEachRow(where condition: String? = nil, _ arguments: [SQLiteValue] = [],
                           _ body: (RowView) throws -> Void) throws {
        try database.read {
            let sql = "SELECT \(Shard.rowColumns) FROM examples" + (condition.map { " WHERE \($0)" } ?? "") + " ORDER BY example_index"
            let statement = try database.prepare(sql)
            try statement.bind(arguments)
            while try statement.step() { try Shard.withRow(statement, body) }
        }
    }

    static func withRow<T>(_ statement: SQLiteStatement, _ body: (RowView) throws -> T) throws -> T {
        let statistics = RecordStatistics(
            topKKL: statement.double(at: 10), tailMass: statement.double(at: 11), byteKL: statement.double(at: 12),
            beamKL: statement.isNull(at: 13) ? nil : statement.double(at: 13), beamEvaluations: statement.int(at: 14))
        func optional(_ column: Int, _ blob: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? { statement.isNull(at: column) ? nil : blob }
        return try statement.withBlob(at: 6) { tokens in
            try statement.withBlob(at: 7) { topK in
                try statement.withBlob(at: 8) { sampled in
                    try statement.withBlob(at: 9) { bytes in
                        try body(RowView(
                            exampleIndex: statement.int(at: 0), id: statement.text(at: 1), prompt: statement.text(at: 2),
                            response: statement.text(at: 3), positions: statement.int(at: 4), responseBytes: statement.int(at: 5),
                            tokens: tokens, topK: optional(7, topK), sampled: optional(8, sampled), bytes: optional(9, bytes),
                            statistics: statistics, checksum: UInt64(bitPattern: statement.int64(at: 15))))
                    }
                }
            }
        }
    }
}
