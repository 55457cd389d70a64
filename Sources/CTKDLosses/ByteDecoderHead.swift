import CTKDCore
import CTKDTensor

/// BLD's byte decoder head (Singh et al. 2026): M parallel linear maps C → 257 on the student's
/// final hidden state; map m predicts the (m+1)-th byte of the token that the hidden state predicts.
///
/// The parameters live in one flat buffer that the caller owns, so the distill stage can register
/// them with its optimizer and checkpoint them, and drop them on export (the head never touches the
/// token logits). Layout:
///
///     weights  (M, 257, C)   map m's matrix at offset m·257·C
///     biases   (M, 257)      at offset M·257·C
///
///     let head = ByteDecoderHead(hiddenSize: 576, byteCount: 10)
///     var parameters = head.initialParameters(seed: 7)          // head.parameterCount floats
public struct ByteDecoderHead: Sendable, Equatable {
    public static let symbolCount = ByteDistributions.symbolCount

    /// C, the student's hidden size.
    public let hiddenSize: Int
    /// M, the bytes predicted per hidden state.
    public let byteCount: Int

    public init(hiddenSize: Int, byteCount: Int) {
        precondition(hiddenSize >= 1 && byteCount >= 1)
        self.hiddenSize = hiddenSize
        self.byteCount = byteCount
    }

    public var parameterCount: Int { byteCount * Self.symbolCount * (hiddenSize + 1) }

    /// Offset of map m's weight matrix (257, C) in the parameter buffer.
    public func weightOffset(_ m: Int) -> Int { m * Self.symbolCount * hiddenSize }

    /// Offset of map m's bias (257) in the parameter buffer.
    public func biasOffset(_ m: Int) -> Int { byteCount * Self.symbolCount * hiddenSize + m * Self.symbolCount }

    /// Weights drawn from N(0, standardDeviation²) (GPT-2's initialisation of linear layers),
    /// biases 0, from `SeededRandom(seed:)`: the same seed gives the same head on every machine.
    public func initialParameters(seed: UInt64, standardDeviation: Float = 0.02) -> [Float] {
        var random = SeededRandom(seed: seed)
        var parameters = [Float](repeating: 0, count: parameterCount)
        for index in 0..<biasOffset(0) { parameters[index] = Float(random.nextGaussian()) * standardDeviation }
        return parameters
    }

    /// out (rows, 257) = x (rows, C) · W_mᵀ + b_m for rows that are contiguous in `x`.
    func forward(map m: Int, input x: UnsafePointer<Float>, rows: Int, parameters: UnsafePointer<Float>,
                 output out: UnsafeMutablePointer<Float>) {
        guard rows > 0 else { return }
        let symbols = Self.symbolCount
        BLAS.sgemm(transposeB: true, m: rows, n: symbols, k: hiddenSize, a: x, lda: hiddenSize,
                   b: parameters + weightOffset(m), ldb: hiddenSize, beta: 0, c: out, ldc: symbols)
        let bias = parameters + biasOffset(m)
        for row in 0..<rows {
            let line = out + row * symbols
            for symbol in 0..<symbols { line[symbol] += bias[symbol] }
        }
    }

    /// Given dout (rows, 257): dW_m += doutᵀ·x, db_m += Σ_rows dout, dx += dout·W_m (all adding).
    func backward(map m: Int, outputGradient dout: UnsafePointer<Float>, input x: UnsafePointer<Float>, rows: Int,
                  parameters: UnsafePointer<Float>, parameterGradients: UnsafeMutablePointer<Float>,
                  inputGradient dx: UnsafeMutablePointer<Float>?) {
        guard rows > 0 else { return }
        let symbols = Self.symbolCount
        BLAS.sgemm(transposeA: true, m: symbols, n: hiddenSize, k: rows, a: dout, lda: symbols, b: x, ldb: hiddenSize,
                   beta: 1, c: parameterGradients + weightOffset(m), ldc: hiddenSize)
        let biasGradient = parameterGradients + biasOffset(m)
        for row in 0..<rows {
            let line = dout + row * symbols
            for symbol in 0..<symbols { biasGradient[symbol] += line[symbol] }
        }
        if let dx {
            BLAS.sgemm(m: rows, n: hiddenSize, k: symbols, a: dout, lda: symbols, b: parameters + weightOffset(m),
                       ldb: hiddenSize, beta: 1, c: dx, ldc: hiddenSize)
        }
    }
}
