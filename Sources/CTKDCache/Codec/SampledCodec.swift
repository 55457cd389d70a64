/// The sampled part (schemas/README.md, "sampled blob", version 1): per position the number of
/// unique ids, then all ids ascending as varint gaps, then all counts minus one as varints.
public enum SampledCodec {
    public static func encode(_ targets: SampledTargets) -> [UInt8] {
        var uniques = ByteWriter(), gaps = ByteWriter(), counts = ByteWriter()
        for position in 0..<targets.positions {
            let range = Int(targets.offsets[position])..<Int(targets.offsets[position + 1])
            uniques.varint(range.count)
            var previous: Int32 = -1
            for index in range {
                precondition(targets.ids[index] > previous && targets.counts[index] >= 1, "sampled ids must ascend, counts be positive")
                gaps.varint(Int(targets.ids[index] - previous - 1))
                counts.varint(Int(targets.counts[index] - 1))
                previous = targets.ids[index]
            }
        }
        var out = ByteWriter()
        out.varint(targets.positions)
        out.varint(targets.sampleCount)
        out.varint(uniques.bytes.count)
        out.varint(gaps.bytes.count)
        out.append(uniques.bytes)
        out.append(gaps.bytes)
        out.append(counts.bytes)
        return out.bytes
    }

    public static func decode(_ payload: UnsafeRawBufferPointer, expectedPositions: Int) throws -> SampledTargets {
        var reader = ByteReader(payload)
        let positions = try reader.count(max: expectedPositions, "sampled positions")
        guard positions == expectedPositions else { throw CacheFormatError("sampled part has \(positions) positions, the row says \(expectedPositions)") }
        let sampleCount = try reader.count(max: 1 << 20, "sample count")
        let uniqueLength = try reader.count(max: reader.remaining, "sampled unique stream length")
        let gapLength = try reader.count(max: reader.remaining, "sampled id stream length")
        var uniques = ByteReader(try reader.bytes(uniqueLength))
        var gaps = ByteReader(try reader.bytes(gapLength))
        var counts = ByteReader(try reader.bytes(reader.remaining))
        var offsets: [Int32] = [0], ids = [Int32](), values = [Int32]()
        for _ in 0..<positions {
            let unique = try uniques.count(max: sampleCount, "unique sampled ids")
            var id: Int64 = -1, total = 0
            for _ in 0..<unique {
                id += Int64(try gaps.varint()) + 1
                let count = try counts.count(max: sampleCount - 1, "sampled count") + 1
                guard id <= Int64(Int32.max) else { throw CacheFormatError("sampled id out of range") }
                ids.append(Int32(id))
                values.append(Int32(count))
                total += count
            }
            guard total == sampleCount else { throw CacheFormatError("sampled counts add to \(total), not \(sampleCount)") }
            offsets.append(Int32(ids.count))
        }
        try uniques.expectEnd("sampled unique stream")
        try gaps.expectEnd("sampled id stream")
        try counts.expectEnd("sampled count stream")
        return SampledTargets(sampleCount: sampleCount, offsets: offsets, ids: ids, counts: values)
    }
}
