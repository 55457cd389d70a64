import CTKDCore
#if canImport(Glibc)
import Glibc
#endif
import CTKDTensor
@testable import CTKDModels

/// Finite-difference gradient checks in Float32 with a stated tolerance.
///
/// A layer `out = f(x, θ)` is reduced to the scalar L = Σ wᵢ·outᵢ (w random, the sum in Double),
/// whose gradient is what backward computes from `dout = w`. Each analytic derivative is compared
/// with the central difference (L(x + ε) − L(x − ε)) / 2ε, ε = 1e-2 for single layers and 3e-2
/// for whole models (Float32 rounding of the forward pass makes smaller steps noisier: at 3e-3 the
/// whole-model noise reaches 7% of a 1e-3 gradient). The error of a tensor is max |analytic − numeric| / max |analytic|
/// over the checked elements; `GradientCheck.tolerance` bounds it.
enum GradientCheck {
    static let epsilon: Float = 1e-2
    static let tolerance: Double = 1e-2

    /// Returns the tensor's normalised error. `tensor` is perturbed in place and restored.
    static func error(of tensor: FloatBuffer, analytic: [Float], indices: [Int]? = nil, epsilon: Float = epsilon,
                      label: String = "", loss: () -> Double) -> Double {
        let (values, count) = (tensor.pointer, tensor.count)
        var worst = 0.0
        var scale = 0.0
        for index in indices ?? Array(0..<count) {
            let original = values[index]
            values[index] = original + epsilon
            let plus = loss()
            values[index] = original - epsilon
            let minus = loss()
            values[index] = original
            let numeric = (plus - minus) / (2 * Double(epsilon))
            worst = max(worst, abs(numeric - Double(analytic[index])))
            scale = max(scale, abs(Double(analytic[index])))
        }
        let error = worst / max(scale, 1e-6)
        if getenv("CTKD_TEST_VERBOSE") != nil { print("gradient check \(label): normalised error \(error)") }
        return error
    }

    static func random(_ count: Int, _ rng: inout SeededRandom, scale: Float = 1, offset: Float = 0) -> [Float] {
        (0..<count).map { _ in offset + scale * Float(rng.nextGaussian()) }
    }

    /// Σ w·out in Double.
    static func project(_ out: [Float], _ w: [Float]) -> Double {
        zip(out, w).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
}

extension FloatBuffer {
    /// A buffer holding `values` (tensors that a check perturbs live in buffers, not arrays, so
    /// the loss closure can read them while they change).
    convenience init(_ values: [Float]) {
        self.init(count: values.count)
        pointer.update(from: values, count: values.count)
    }
}
