#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything a shard's parts are coded with: the codec parameters, the rANS tables they name,
/// and the shard's token order; plus the decoder's lookup tables. One per shard, shared by
/// every coder of it (immutable).
public final class CacheCodec: @unchecked Sendable {
    // @unchecked: immutable after init.
    public let parameters: CodecParameters
    public let tables: CodecTables
    public let tokenOrder: TokenOrder
    /// Per top-k code: −distance (the log-weight) and e^(−distance).
    let logWeights: [Float]
    let weights: [Float]

    public init(parameters: CodecParameters, tokenOrder: TokenOrder) throws {
        self.parameters = parameters
        tables = try CodecTables.named(parameters.tables)
        self.tokenOrder = tokenOrder
        logWeights = parameters.topK.logWeightTable
        weights = logWeights.map { expf($0) }
        guard tables.contexts("topk.code") == parameters.topK.zeroCode + 1 else {
            throw CacheFormatError("codec tables \"\(parameters.tables)\" do not fit the top-k quantiser (\(parameters.topK.zeroCode + 1) codes)")
        }
    }

    /// Σ over positions of KL(exact ‖ decoded) of `targets` through the top-k part: what
    /// `cache stats` reports as the top-k quantisation error.
    public func topKQuantisationKL(_ targets: TopKTargets) -> Double {
        let decoded = try! TopKCodec.encode(targets, codec: self).withUnsafeBytes {
            try TopKCodec.decode($0, codec: self, expectedPositions: targets.positions)
        }
        return TopKCodec.quantisationKL(original: targets, decoded: decoded).reduce(0, +)
    }
}

/// The tail mass as a 12-bit code of −ln τ in steps of 1/64 nat (relative error ≤ 0.8%, whose
/// KL is ~1e-6 nats per position); 4095 stands for τ = 0.
enum TailCode {
    static let zero = 4095

    @inline(__always)
    static func code(_ tail: Float) -> Int {
        guard tail > 0 else { return zero }
        return min(zero - 1, max(0, Int((-log(Double(tail)) * 64 + 0.5).rounded(.down))))
    }

    @inline(__always)
    static func tail(_ code: Int) -> Float { code >= zero ? 0 : expf(-Float(code) / 64) }
}
