/// The top-k part (schemas/README.md, "top_k blob", version 1): ids ascending per position as
/// varint gaps, one quantised log-prob code per entry in the same order, the tail mass as
/// Float32. Storing ids sorted (and the codes in id order) costs less than rank order: the gaps
/// are small, and the codes carry the rank information anyway (docs/cache.md has the figures).
public enum TopKCodec {
    public static func encode(_ targets: TopKTargets, quantizer: LogProbQuantizer) -> [UInt8] {
        let positions = targets.positions, k = targets.k
        var gaps = ByteWriter(capacity: positions * k * 2)
        var codes = [UInt8]()
        codes.reserveCapacity(positions * k)
        var order = [Int](repeating: 0, count: k)
        for position in 0..<positions {
            let base = position * k
            for index in 0..<k { order[index] = index }
            order.sort { targets.ids[base + $0] < targets.ids[base + $1] }
            let top = (0..<k).map { Double(targets.logProbs[base + $0]) }.max() ?? 0
            var previous: Int32 = -1
            for index in order {
                let id = targets.ids[base + index]
                precondition(id > previous, "top-k ids must be distinct and non-negative")
                gaps.varint(Int(id - previous - 1))
                previous = id
                codes.append(quantizer.code(distance: top - Double(targets.logProbs[base + index])))
            }
        }
        var out = ByteWriter(capacity: gaps.bytes.count + codes.count + 2 * positions + 16)
        out.varint(positions)
        out.varint(k)
        out.varint(gaps.bytes.count)
        out.append(gaps.bytes)
        out.append(codes)
        out.shuffledFloat32(targets.tailMass)
        return out.bytes
    }

    public static func decode(_ payload: UnsafeRawBufferPointer, quantizer: LogProbQuantizer,
                              expectedPositions: Int) throws -> TopKTargets {
        var reader = ByteReader(payload)
        let positions = try reader.count(max: expectedPositions, "top-k positions")
        guard positions == expectedPositions else { throw CacheFormatError("top-k part has \(positions) positions, the row says \(expectedPositions)") }
        let k = try reader.count(max: 1 << 16, "top-k k")
        let gapLength = try reader.count(max: reader.remaining, "top-k id stream length")
        var gapReader = ByteReader(try reader.bytes(gapLength))
        let codes = try reader.bytes(positions * k)
        let tailMass = try reader.shuffledFloat32(positions)
        try reader.expectEnd("top-k part")

        var ids = [Int32](repeating: 0, count: positions * k)
        var logProbs = [Float](repeating: 0, count: positions * k)
        let logWeights = quantizer.logWeightTable
        let weights = logWeights.map { expf($0) }
        try ids.withUnsafeMutableBufferPointer { ids in
            try logProbs.withUnsafeMutableBufferPointer { logProbs in
                for position in 0..<positions {
                    let base = position * k
                    var id: Int64 = -1
                    var total: Float = 0
                    for index in 0..<k {
                        id += Int64(try gapReader.varint()) + 1
                        guard id <= Int64(Int32.max) else { throw CacheFormatError("top-k id out of range") }
                        ids[base + index] = Int32(id)
                        total += weights[Int(codes[base + index])]
                    }
                    let head = 1 - min(max(tailMass[position], 0), 1)
                    let shift = total > 0 && head > 0 ? logf(head) - logf(total) : -Float.infinity
                    for index in 0..<k {
                        logProbs[base + index] = logWeights[Int(codes[base + index])] + shift
                    }
                }
            }
        }
        try gapReader.expectEnd("top-k id stream")
        return TopKTargets(k: k, ids: ids, logProbs: logProbs, tailMass: tailMass)
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

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
