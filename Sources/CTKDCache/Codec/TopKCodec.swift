#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The top-k part (schemas/README.md, "top_k blob", codec version 2): per position, entries in
/// ascending token rank as rank gaps, one quantised log-prob code each, and the tail mass, all
/// rANS-coded with context tables.
///
/// What the contexts buy (SmolLM2-135M top-64 rows, docs/cache.md): the rank gap's table depends
/// on how deep into the token order the previous entry lies (dense at the top, sparse below);
/// the codes' table depends on the position's floor — its largest code, coded first — because a
/// peaked row spreads its 64 entries over 16 nats and a flat row over 3.
public enum TopKCodec {
    public static func encode(_ targets: TopKTargets, codec: CacheCodec) -> [UInt8] {
        let k = targets.k, tables = codec.tables, quantizer = codec.parameters.topK
        let floorTable = tables.table("topk.floor"), tailTable = tables.table("topk.tail")
        let gapTables = tables.tables["topk.gap"]!, codeTables = tables.tables["topk.code"]!
        var encoder = RANSEncoder(capacity: targets.positions * (2 * k + 4))
        var entries = [(rank: Int, code: Int)]()
        entries.reserveCapacity(k)
        for position in 0..<targets.positions {
            let base = position * k
            let top = (0..<k).reduce(-Float.infinity) { max($0, targets.logProbs[base + $1]) }
            entries.removeAll(keepingCapacity: true)
            for index in 0..<k {
                let logProb = targets.logProbs[base + index]
                let code = top.isFinite && logProb.isFinite ? quantizer.code(distance: Double(top - logProb)) : quantizer.zeroCode
                entries.append((codec.tokenOrder.rank(of: targets.ids[base + index]), code))
            }
            entries.sort { $0.rank < $1.rank }
            let floor = entries.reduce(0) { max($0, $1.code) }
            encoder.put(floor, table: floorTable)
            let tail = TailCode.code(targets.tailMass[position])
            encoder.put(tail >> 6, table: tailTable)
            encoder.putBits(UInt64(tail & 63), count: 6)
            let codeTable = codeTables[floor]
            var previous = -1
            for entry in entries {
                precondition(entry.rank > previous, "top-k ids must be distinct")
                encoder.putInteger(entry.rank - previous - 1, table: gapTables[rankContext(after: previous)])
                encoder.put(entry.code, table: codeTable)
                previous = entry.rank
            }
        }
        var out = ByteWriter(capacity: targets.positions * 100 + 16)
        out.varint(targets.positions)
        out.varint(k)
        out.append(encoder.finish())
        return out.bytes
    }

    public static func decode(_ payload: UnsafeRawBufferPointer, codec: CacheCodec, expectedPositions: Int) throws -> TopKTargets {
        var reader = ByteReader(payload)
        let positions = try reader.count(max: expectedPositions, "top-k positions")
        guard positions == expectedPositions else { throw CacheFormatError("top-k part has \(positions) positions, the row says \(expectedPositions)") }
        let k = try reader.count(max: 1 << 16, "top-k k")
        let stream = try reader.bytes(reader.remaining)
        var targets = TopKTargets(k: k, ids: [Int32](repeating: 0, count: positions * k),
                                  logProbs: [Float](repeating: 0, count: positions * k), tailMass: [Float](repeating: 0, count: positions))
        try codec.tokenOrder.withIDLookup { idOfRank in
            try codec.logWeights.withUnsafeBufferPointer { logWeights in
                try codec.weights.withUnsafeBufferPointer { weights in
                    try targets.ids.withUnsafeMutableBufferPointer { ids in
                        try targets.logProbs.withUnsafeMutableBufferPointer { logProbs in
                            try targets.tailMass.withUnsafeMutableBufferPointer { tailMass in
                                try decodePositions(stream, codec.tables, k: k, idOfRank: idOfRank, logWeights: logWeights, weights: weights,
                                                    ids: ids, logProbs: logProbs, tailMass: tailMass)
                            }
                        }
                    }
                }
            }
        }
        return targets
    }

    /// The decoder's inner loop, over buffers: (P, k) ids and log-probs, (P) tails. The rANS
    /// decoder is a local of this function, so its state stays in registers.
    static func decodePositions(_ stream: UnsafeRawBufferPointer, _ tables: CodecTables, k: Int, idOfRank: (Int) -> Int32,
                                logWeights: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>,
                                ids: UnsafeMutableBufferPointer<Int32>, logProbs: UnsafeMutableBufferPointer<Float>,
                                tailMass: UnsafeMutableBufferPointer<Float>) throws {
        let floorSlots = tables.decoding("topk.floor"), tailSlots = tables.decoding("topk.tail")
        let gapSlots = tables.decoding("topk.gap"), codeSlots = tables.decoding("topk.code")
        var decoder = try RANSDecoder(stream)
        for position in 0..<tailMass.count {
            let base = position * k
            let floor = decoder.get(floorSlots[0])
            let tail = TailCode.tail(decoder.get(tailSlots[0]) << 6 | Int(decoder.getBits(count: 6)))
            tailMass[position] = tail
            let codes = codeSlots[floor]
            var previous = -1
            var total: Float = 0
            for index in base..<(base + k) {
                // Gaps are below 2^32, so the sum cannot wrap before the range check.
                // decoder.getInteger, spelled out: the optimiser does not inline it here, and the
                // call would keep the decoder's state in memory (measured: 1.6x slower).
                var gap = decoder.get(gapSlots[rankContext(after: previous)])
                if gap >= 16 {
                    let bits = (gap &- 16) >> 1 &+ 5
                    gap = (2 | (gap &- 16) & 1) << (bits &- 2) | Int(decoder.getBits(count: bits &- 2))
                }
                let rank = previous &+ 1 &+ gap
                let code = decoder.get(codes)
                guard code <= floor, rank <= Int(Int32.max) else { throw CacheFormatError("top-k entry out of range") }
                ids[index] = Int32(truncatingIfNeeded: rank)   // mapped to ids below, off the decoder's critical path
                logProbs[index] = logWeights[code]
                total += weights[code]
                previous = rank
            }
            // Independent loads: their cache misses overlap instead of stalling the rANS chain.
            for index in base..<(base + k) { ids[index] = idOfRank(Int(ids[index])) }
            let head = 1 - tail
            let shift = total > 0 && head > 0 ? logf(head) - logf(total) : -Float.infinity
            for index in base..<(base + k) { logProbs[index] += shift }
        }
        try decoder.finish("top-k part")
    }

    /// KL(original ‖ decoded) at each position, over the k entries and the tail bucket: the
    /// information the quantisation loses.
    public static func quantisationKL(original: TopKTargets, decoded: TopKTargets) -> [Double] {
        (0..<original.positions).map { position in
            var lookup = [Int32: Float]()
            for index in 0..<decoded.k { lookup[decoded.ids[position * decoded.k + index]] = decoded.logProbs[position * decoded.k + index] }
            var kl = 0.0
            for index in 0..<original.k {
                let logP = Double(original.logProbs[position * original.k + index])
                guard logP.isFinite else { continue }
                let logQ = Double(lookup[original.ids[position * original.k + index]] ?? -.infinity)
                kl += exp(logP) * (logP - logQ)
            }
            let tail = Double(original.tailMass[position]), decodedTail = Double(decoded.tailMass[position])
            if tail > 0 { kl += tail * log(tail / decodedTail) }
            return kl
        }
    }
}
