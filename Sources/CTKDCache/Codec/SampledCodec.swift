/// The sampled part (schemas/README.md, "sampled blob", codec version 2): per position the number
/// of distinct tokens drawn, their ranks ascending as gaps, and the count of each but the last
/// (the last is what remains of N), rANS-coded. A count's table depends on the mean count still
/// to come (remaining draws / remaining tokens), which keeps the tables fit for any N.
public enum SampledCodec {
    public static func encode(_ targets: SampledTargets, codec: CacheCodec) -> [UInt8] {
        let tables = codec.tables, uniqueTable = tables.table("sampled.unique")
        let gapTables = tables.tables["sampled.gap"]!, countTables = tables.tables["sampled.count"]!
        var encoder = RANSEncoder(capacity: targets.ids.count * 3 + targets.positions)
        var entries = [(rank: Int, count: Int)]()
        for position in 0..<targets.positions {
            let range = Int(targets.offsets[position])..<Int(targets.offsets[position + 1])
            precondition(!range.isEmpty, "every position has at least one sample")
            entries = range.map { (codec.tokenOrder.rank(of: targets.ids[$0]), Int(targets.counts[$0])) }.sorted { $0.rank < $1.rank }
            encoder.putInteger(entries.count - 1, table: uniqueTable)
            var previous = -1
            for entry in entries {
                precondition(entry.rank > previous && entry.count >= 1, "sampled ids must be distinct, counts positive")
                encoder.putInteger(entry.rank - previous - 1, table: gapTables[rankContext(after: previous)])
                previous = entry.rank
            }
            var remaining = targets.sampleCount, left = entries.count
            for entry in entries.dropLast() {
                encoder.putInteger(entry.count - 1, table: countTables[countContext(remaining, left)])
                remaining -= entry.count
                left -= 1
            }
            precondition(remaining == entries.last!.count, "sampled counts must add up to N")
        }
        var out = ByteWriter()
        out.varint(targets.positions)
        out.varint(targets.sampleCount)
        out.append(encoder.finish())
        return out.bytes
    }

    public static func decode(_ payload: UnsafeRawBufferPointer, codec: CacheCodec, expectedPositions: Int) throws -> SampledTargets {
        var reader = ByteReader(payload)
        let positions = try reader.count(max: expectedPositions, "sampled positions")
        guard positions == expectedPositions else { throw CacheFormatError("sampled part has \(positions) positions, the row says \(expectedPositions)") }
        let sampleCount = try reader.count(max: 1 << 16, "sampled N")
        var decoder = try RANSDecoder(try reader.bytes(reader.remaining))
        let tables = codec.tables
        let uniqueSlots = tables.decoding("sampled.unique"), gapSlots = tables.decoding("sampled.gap"), countSlots = tables.decoding("sampled.count")
        var offsets: [Int32] = [0], ids = [Int32](), counts = [Int32]()
        ids.reserveCapacity(positions * 16)
        counts.reserveCapacity(positions * 16)
        for _ in 0..<positions {
            let unique = decoder.getInteger(uniqueSlots[0]) + 1
            guard unique <= sampleCount else { throw CacheFormatError("\(unique) distinct samples of \(sampleCount)") }
            var previous = -1
            for _ in 0..<unique {
                let rank = previous + 1 + decoder.getInteger(gapSlots[rankContext(after: previous)])
                guard rank <= Int(Int32.max) else { throw CacheFormatError("sampled token out of range") }
                ids.append(codec.tokenOrder.id(ofRank: rank))
                previous = rank
            }
            var remaining = sampleCount, left = unique
            for _ in 0..<(unique - 1) {
                let count = decoder.getInteger(countSlots[countContext(remaining, left)]) + 1
                guard count <= remaining - (left - 1) else { throw CacheFormatError("sampled counts exceed N") }
                counts.append(Int32(count))
                remaining -= count
                left -= 1
            }
            counts.append(Int32(remaining))
            offsets.append(Int32(ids.count))
        }
        try decoder.finish("sampled part")
        return SampledTargets(sampleCount: sampleCount, offsets: offsets, ids: ids, counts: counts)
    }

    /// The bit length of the mean count still to come, at most 7.
    @inline(__always)
    static func countContext(_ remaining: Int, _ left: Int) -> Int {
        min(Int.bitWidth - (remaining / left).leadingZeroBitCount, 7)
    }
}
