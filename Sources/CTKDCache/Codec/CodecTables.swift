/// The rANS frequency tables of codec version 2, one per (table, context), with every table's
/// decoding slots in one contiguous buffer (the decoder's hot loop indexes it directly).
///
/// Tables are fixed per codec version and named in the `codec` metadata key, so a cache always
/// decodes with the tables it was written with; `default1` was trained on real teacher rows
/// (CodecTables+Default.swift says how).
public final class CodecTables: @unchecked Sendable {
    // @unchecked: immutable after init; `slotBuffer` is owned by this object and only read.
    public let name: String
    let tables: [String: [RANSTable]]
    let slotBuffer: UnsafeMutablePointer<UInt32>
    let offsets: [String: Int]

    public init(name: String, counts: [String: [[Double]]]) {
        self.name = name
        var tables = [String: [RANSTable]](), offsets = [String: Int](), total = 0
        for (table, rows) in counts.sorted(by: { $0.key < $1.key }) {
            tables[table] = rows.map { RANSTable(counts: $0) }
            offsets[table] = total
            total += rows.count * RANS.precision
        }
        let buffer = UnsafeMutablePointer<UInt32>.allocate(capacity: max(total, 1))
        for (table, list) in tables {
            for (context, ransTable) in list.enumerated() {
                ransTable.slots.withUnsafeBufferPointer { source in
                    (buffer + offsets[table]! + context * RANS.precision).update(from: source.baseAddress!, count: RANS.precision)
                }
            }
        }
        slotBuffer = buffer
        self.tables = tables
        self.offsets = offsets
    }

    deinit { slotBuffer.deallocate() }

    /// The encoder's view of table `name` in `context`.
    func table(_ name: String, _ context: Int = 0) -> RANSTable { tables[name]![context] }

    /// The decoder's view: the slots of every context of `name`, context c at `+ c << 12`.
    func slots(_ name: String) -> UnsafePointer<UInt32> { UnsafePointer(slotBuffer + offsets[name]!) }

    func contexts(_ name: String) -> Int { tables[name]!.count }

    /// Tables by the name recorded in the `codec` metadata key.
    public static func named(_ name: String) throws -> CodecTables {
        guard name == "default-1" else { throw CacheFormatError("unknown codec tables \"\(name)\" (this ctkd knows \"default-1\")") }
        return default1
    }

    public static let default1 = CodecTables(name: "default-1", counts: default1Counts)
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

extension RANSDecoder {
    @inline(__always)
    public mutating func getInteger(_ table: UnsafePointer<UInt32>) -> Int {
        let symbol = get(table)
        if symbol < 16 { return symbol }
        let bits = (symbol - 16) >> 1 + 5
        return (2 | (symbol - 16) & 1) << (bits - 2) | Int(getBits(count: bits - 2))
    }
}

/// Context of a rank given the rank before it in ascending order: how far into the token order
/// the previous entry lies (its bit length, at most 15), which sets how dense ranks are there.
@inline(__always)
func rankContext(after previous: Int) -> Int { min(Int.bitWidth - (previous + 1).leadingZeroBitCount, 15) }
