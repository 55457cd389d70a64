-- ctkd teacher cache: one SQLite shard file. Schema version 2.
-- Every column, blob layout and metadata key is documented in schemas/README.md.
PRAGMA application_id = 1668574052;   -- 0x63746B64, "ctkd"
PRAGMA user_version = 2;              -- the schema version

-- What produced this shard (teacher, tokenizer, data, parameters, codec); written when the shard
-- is created, compared on every open and resume, `complete` added when the shard's run finishes.
CREATE TABLE IF NOT EXISTS metadata (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Coding data shared by the shard's rows, written with the metadata: `token_order` (the token
-- ranks the parts store instead of ids; its SHA-256 is the metadata key token_order_sha256).
CREATE TABLE IF NOT EXISTS codebook (
    name  TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL
) WITHOUT ROWID;

-- One row per example: committed in batches, so readers see whole examples only.
CREATE TABLE IF NOT EXISTS examples (
    example_index    INTEGER PRIMARY KEY,      -- 0-based record index in the input data
    id               TEXT NOT NULL UNIQUE,     -- the example's "id"
    prompt           TEXT NOT NULL,            -- the prompt text (before the template)
    response         TEXT NOT NULL,            -- the response text the targets are for
    positions        INTEGER NOT NULL,         -- teacher response positions P (tokens + EOS)
    response_bytes   INTEGER NOT NULL,         -- L, UTF-8 bytes of the response
    tokens           BLOB NOT NULL,            -- rANS: teacher token ranks + byte lengths
    top_k            BLOB,                     -- rANS: top-k ranks, log-prob codes, tail mass
    sampled          BLOB,                     -- rANS: sampled ranks + counts (NULL: not requested)
    byte_dist        BLOB,                     -- zstd frame: next-byte distributions (NULL: not requested)
    top_k_kl         REAL NOT NULL,            -- Σ over positions of the top-k quantisation KL (nats)
    tail_mass        REAL NOT NULL,            -- Σ over positions of the tail mass
    byte_kl          REAL NOT NULL,            -- Σ over offsets of the byte-part reconstruction KL
    beam_kl          REAL,                     -- Σ over offsets of KL(beam ‖ single-pass); NULL: not measured
    beam_evaluations INTEGER NOT NULL,         -- teacher branch evaluations the beam asked for
    checksum         INTEGER NOT NULL          -- XXH64 of the row's canonical bytes (README), as signed 64-bit
);
