import CTKDCore
import CTKDTensor
#if canImport(Glibc)
import Glibc
#endif

/// Byte-level distillation (Singh et al. 2026, arXiv 2604.07466), methods.md §4: the byte decoder
/// head on the hidden state that predicts student token w_j (starting at byte e_j) predicts the
/// token's first min(M, |w_j|) bytes, against the cached teacher byte distributions q_{e_j + m}
/// (KL(q ‖ head)) and the true bytes (cross-entropy). No token alignment is needed.
/// `L = CE_token + λ_b CE_byte + λ_kl KL`.
public struct BLDConfiguration: Codable, Sendable, Equatable {
    /// M, bytes predicted per hidden state.
    public var byteCount: Int = 10
    /// λ_b, the weight of the cross-entropy on the true bytes.
    public var byteCrossEntropyWeight: Float = 1.0
    /// λ_kl, the weight of KL(teacher bytes ‖ head).
    public var klWeight: Float = 0.1
    /// Standard deviation of the head's initial weights.
    public var initialStandardDeviation: Float = 0.02

    public init() {}

    enum CodingKeys: String, CodingKey { case byteCount, byteCrossEntropyWeight, klWeight, initialStandardDeviation }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = Self()
        byteCount = try container.decode(.byteCount, default: defaults.byteCount)
        byteCrossEntropyWeight = try container.decode(.byteCrossEntropyWeight, default: defaults.byteCrossEntropyWeight)
        klWeight = try container.decode(.klWeight, default: defaults.klWeight)
        initialStandardDeviation = try container.decode(.initialStandardDeviation,
                                                        default: defaults.initialStandardDeviation)
        try validate()
    }

    public func validate() throws {
        try require(byteCount >= 1, "bld.byteCount", "expected at least 1 byte, got \(byteCount)")
        try requirePositive(byteCrossEntropyWeight, "bld.byteCrossEntropyWeight", allowZero: true)
        try requirePositive(klWeight, "bld.klWeight", allowZero: true)
        try requirePositive(initialStandardDeviation, "bld.initialStandardDeviation", allowZero: true)
    }
}

/// One sequence's BLD sums and how many symbols they cover.
public struct BLDTerms: Sendable, Equatable {
    /// Σ −log head(true symbol) over the predicted symbols.
    public var byteCrossEntropy: Double = 0
    /// Σ KL(q ‖ head) over the predicted symbols that have a teacher distribution.
    public var kl: Double = 0
    public var symbols: Int = 0
    public var klSymbols: Int = 0

    public init() {}
}

public struct BLD: Sendable {
    public var configuration: BLDConfiguration
    public let head: ByteDecoderHead

    public init(_ configuration: BLDConfiguration = BLDConfiguration(), hiddenSize: Int) {
        self.configuration = configuration
        self.head = ByteDecoderHead(hiddenSize: hiddenSize, byteCount: configuration.byteCount)
    }

    /// The symbols student position j predicts: min(M, |w_j|) bytes from its span's start; a final
    /// EOS position (the empty span at the response's end) predicts END once; other empty spans
    /// predict nothing.
    public static func symbolCount(_ span: ByteSpan, responseLength: Int, byteCount: Int) -> Int {
        if span.isEmpty { return span.start == responseLength ? 1 : 0 }
        return min(byteCount, span.count)
    }

    /// (symbols, symbols with a teacher distribution) of one sequence: the normalisers' parts.
    public func symbolCounts(_ student: StudentSequence, teacher: ByteDistributions?) -> (all: Int, withTargets: Int) {
        var all = 0, withTargets = 0
        let available = teacher?.offsets ?? 0
        for span in student.byteSpans {
            let count = Self.symbolCount(span, responseLength: student.responseBytes.count, byteCount: head.byteCount)
            all += count
            if count > 0 { withTargets += max(0, min(span.start + count, available) - span.start) }
        }
        return (all, withTargets)
    }

    /// Runs the head over one sequence's hidden states (T_s, C) and returns the sums. When
    /// `parameterGradients` is given, adds the gradient of
    /// `byteCrossEntropyScale · Σ CE + klScale · Σ KL` into it and, if given, into `dhidden`.
    public func forwardBackward(hidden: UnsafePointer<Float>, student: StudentSequence, teacher: ByteDistributions?,
                                parameters: UnsafePointer<Float>, parameterGradients: UnsafeMutablePointer<Float>?,
                                dhidden: UnsafeMutablePointer<Float>?, byteCrossEntropyScale: Float,
                                klScale: Float) -> BLDTerms {
        let plan = SymbolPlan(student, byteCount: head.byteCount)
        var terms = BLDTerms()
        guard plan.rows > 0 else { return terms }
        let hiddenSize = head.hiddenSize, symbols = ByteDecoderHead.symbolCount
        // Hidden states of the predicting positions, longest token first: map m's rows are a prefix.
        var gathered = [Float](repeating: 0, count: plan.rows * hiddenSize)          // (R, C)
        for (r, position) in plan.order.enumerated() {
            for c in 0..<hiddenSize { gathered[r * hiddenSize + c] = hidden[position * hiddenSize + c] }
        }
        var logits = [Float](repeating: 0, count: plan.symbolCount * symbols)       // (S, 257)
        gathered.withUnsafeBufferPointer { x in
            logits.withUnsafeMutableBufferPointer { out in
                for m in 0..<head.byteCount {
                    head.forward(map: m, input: x.baseAddress!, rows: plan.rowsPerMap[m], parameters: parameters,
                                 output: out.baseAddress! + plan.mapOffsets[m] * symbols)
                }
            }
        }
        let targets = teacher?.offsets ?? 0
        let targetProbabilities = teacher?.probabilities ?? []
        var perSymbol = [Double](repeating: 0, count: 2 * plan.symbolCount)            // (S, [ce, kl])
        let backward = parameterGradients != nil
        logits.withUnsafeMutableBufferPointer { logits in
        perSymbol.withUnsafeMutableBufferPointer { perSymbol in
        targetProbabilities.withUnsafeBufferPointer { targetProbabilities in
            let logits = UncheckedPointer(logits.baseAddress!), out = UncheckedPointer(perSymbol.baseAddress!)
            Parallel.forEachChunk(plan.symbolCount, minimumChunk: 64) { range in
                for symbol in range {
                    let row = logits.pointer + symbol * symbols
                    let offset = plan.symbolOffsets[symbol]
                    let truth = offset < student.responseBytes.count ? Int(student.responseBytes[offset])
                        : ByteDistributions.endSymbol
                    let normaliser = Softmax.logSumExp(row, count: symbols)
                    out.pointer[2 * symbol] = Double(normaliser) - Double(row[truth])
                    var divergence = 0.0, targetMass: Float = 0
                    let q = offset < targets ? targetProbabilities.baseAddress! + offset * symbols : nil
                    if let q {
                        for b in 0..<symbols where q[b] > 0 {
                            divergence += Double(q[b]) * (log(Double(q[b])) - Double(row[b] - normaliser))
                            targetMass += q[b]
                        }
                    }
                    out.pointer[2 * symbol + 1] = divergence
                    guard backward else { continue }
                    // ∂CE/∂logit = h − onehot(truth); ∂KL/∂logit = h·Σq − q.
                    Softmax.row(row, row, count: symbols)
                    let klPart = q == nil ? 0 : klScale
                    for b in 0..<symbols {
                        row[b] = row[b] * (byteCrossEntropyScale + klPart * targetMass) - klPart * (q?[b] ?? 0)
                    }
                    row[truth] -= byteCrossEntropyScale
                }
            }
        }}}
        for symbol in 0..<plan.symbolCount {
            terms.byteCrossEntropy += perSymbol[2 * symbol]
            terms.kl += perSymbol[2 * symbol + 1]
            if plan.symbolOffsets[symbol] < targets { terms.klSymbols += 1 }
        }
        terms.symbols = plan.symbolCount
        guard let parameterGradients else { return terms }
        var gatheredGradient = [Float](repeating: 0, count: plan.rows * hiddenSize)  // (R, C)
        gathered.withUnsafeBufferPointer { x in
        logits.withUnsafeBufferPointer { dout in
        gatheredGradient.withUnsafeMutableBufferPointer { dx in
            for m in 0..<head.byteCount {
                head.backward(map: m, outputGradient: dout.baseAddress! + plan.mapOffsets[m] * symbols,
                              input: x.baseAddress!, rows: plan.rowsPerMap[m], parameters: parameters,
                              parameterGradients: parameterGradients, inputGradient: dhidden == nil ? nil : dx.baseAddress!)
            }
        }}}
        if let dhidden {
            for (r, position) in plan.order.enumerated() {
                for c in 0..<hiddenSize { dhidden[position * hiddenSize + c] += gatheredGradient[r * hiddenSize + c] }
            }
        }
        return terms
    }
}

/// Which (position, byte) symbols a sequence predicts, arranged so that map m's rows are the first
/// `rowsPerMap[m]` of the positions sorted by symbol count (descending): each map is one sgemm
/// over a prefix, and masked symbols of short tokens cost nothing.
struct SymbolPlan {
    /// Predicting positions, most symbols first (ties by position).
    let order: [Int]
    let rowsPerMap: [Int]       // (M)
    /// Map m's symbols start at row mapOffsets[m] of the (S, 257) logits.
    let mapOffsets: [Int]       // (M)
    /// The response byte offset each symbol predicts (the response length for END).
    let symbolOffsets: [Int]    // (S)

    var rows: Int { order.count }
    var symbolCount: Int { symbolOffsets.count }

    init(_ student: StudentSequence, byteCount: Int) {
        let counts = student.byteSpans.map {
            BLD.symbolCount($0, responseLength: student.responseBytes.count, byteCount: byteCount)
        }
        order = counts.indices.filter { counts[$0] > 0 }.sorted { counts[$0] > counts[$1] || (counts[$0] == counts[$1] && $0 < $1) }
        var rowsPerMap = [Int](repeating: 0, count: byteCount)
        var mapOffsets = [Int](repeating: 0, count: byteCount)
        var symbolOffsets = [Int]()
        for m in 0..<byteCount {
            mapOffsets[m] = symbolOffsets.count
            for position in order {
                guard counts[position] > m else { break }
                rowsPerMap[m] += 1
                symbolOffsets.append(student.byteSpans[position].start + m)
            }
        }
        self.rowsPerMap = rowsPerMap
        self.mapOffsets = mapOffsets
        self.symbolOffsets = symbolOffsets
    }
}
