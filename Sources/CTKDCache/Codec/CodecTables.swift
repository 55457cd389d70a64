/// The rANS frequency tables of codec version 2, one per (table, context), with every table's
/// decoder form in two small contiguous buffers (the decoder's hot loop reads them directly).
///
/// Tables are fixed per codec version and named in the `codec` metadata key, so a cache always
/// decodes with the tables it was written with; `default1` was trained on real teacher rows
/// (CodecTables+Default.swift says how).
public final class CodecTables: @unchecked Sendable {
    // @unchecked: immutable after init; the buffers are owned by this object and only read.
    public let name: String
    let tables: [String: [RANSTable]]
    /// Decoder forms of every table, context after context: cumulative frequencies padded to
    /// `cumulativeStride` entries, buckets `RANSSymbolTable.bucketCount` bytes each.
    let cumulative: UnsafeMutablePointer<UInt16>
    let buckets: UnsafeMutablePointer<UInt8>
    let firstContext: [String: Int]
    static let cumulativeStride = 80

    public init(name: String, counts: [String: [[Double]]]) {
        self.name = name
        var tables = [String: [RANSTable]](), firstContext = [String: Int](), contexts = 0
        for (table, rows) in counts.sorted(by: { $0.key < $1.key }) {
            precondition(rows.allSatisfy { $0.count + 2 <= CodecTables.cumulativeStride }, "codec tables: alphabets up to \(CodecTables.cumulativeStride - 2) symbols")
            tables[table] = rows.map { RANSTable(counts: $0) }
            firstContext[table] = contexts
            contexts += rows.count
        }
        let cumulative = UnsafeMutablePointer<UInt16>.allocate(capacity: contexts * CodecTables.cumulativeStride)
        let buckets = UnsafeMutablePointer<UInt8>.allocate(capacity: contexts * RANSSymbolTable.bucketCount)
        for (table, list) in tables {
            for (context, ransTable) in list.enumerated() {
                let index = firstContext[table]! + context
                let form = ransTable.decoderForm()
                (cumulative + index * CodecTables.cumulativeStride).update(from: form.cumulative, count: form.cumulative.count)
                (buckets + index * RANSSymbolTable.bucketCount).update(from: form.buckets, count: form.buckets.count)
            }
        }
        self.cumulative = cumulative
        self.buckets = buckets
        self.tables = tables
        self.firstContext = firstContext
    }

    deinit {
        cumulative.deallocate()
        buckets.deallocate()
    }

    /// The encoder's view of table `name` in `context`.
    func table(_ name: String, _ context: Int = 0) -> RANSTable { tables[name]![context] }

    /// The decoder's view of table `name` in each context: `decoding("topk.gap")(context)`.
    func decoding(_ name: String) -> DecodingTables {
        let first = firstContext[name]!
        return DecodingTables(cumulative: UnsafePointer(cumulative + first * CodecTables.cumulativeStride),
                              buckets: UnsafePointer(buckets + first * RANSSymbolTable.bucketCount))
    }

    func contexts(_ name: String) -> Int { tables[name]!.count }

    /// Tables by the name recorded in the `codec` metadata key.
    public static func named(_ name: String) throws -> CodecTables {
        guard name == "default-1" else { throw CacheFormatError("unknown codec tables \"\(name)\" (this ctkd knows \"default-1\")") }
        return default1
    }

    public static let default1 = CodecTables(name: "default-1", counts: default1Counts)
}

/// The contexts of one table, for the decoder.
struct DecodingTables {
    let cumulative: UnsafePointer<UInt16>
    let buckets: UnsafePointer<UInt8>

    @inline(__always)
    subscript(context: Int) -> RANSSymbolTable {
        RANSSymbolTable(cumulative: cumulative + context * CodecTables.cumulativeStride,
                        buckets: buckets + context * RANSSymbolTable.bucketCount)
    }
}

extension RANSEncoder {
    /// A value below 2^32 as a symbol of a 72-symbol alphabet plus raw bits: 0…15 as themselves,
    /// larger values by bit length b and their second-highest bit (16 + 2(b − 5) + bit), then
    /// their low b − 2 bits raw (schemas/README.md, "integers").
    @inline(__always)
    public mutating func putInteger(_ value: Int, table: RANSTable) {
        precondition(value >= 0 && value < 1 << 32, "integer out of the coded range")
        if value < 16 {
            put(value, table: table)
            return
        }
        let bits = Int.bitWidth - value.leadingZeroBitCount
        put(16 + 2 * (bits - 5) + (value >> (bits - 2)) & 1, table: table)
        putBits(UInt64(value), count: bits - 2)
    }
}

/// Context of a rank given the rank before it in ascending order: how far into the token order
/// the previous entry lies (its bit length, at most 15), which sets how dense ranks are there.
@inline(__always)
func rankContext(after previous: Int) -> Int { min(Int.bitWidth - (previous + 1).leadingZeroBitCount, 15) }
