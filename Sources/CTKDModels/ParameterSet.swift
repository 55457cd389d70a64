import CTKDCore
import CTKDTensor

/// Named trainable tensors in one arena, with their gradients in a second arena of the same layout.
///
/// A model's weights are one set; trainable parameters that live outside a model (a byte-decoder
/// head, a projection) are sets of their own. The optimizer and checkpoints work on lists of sets,
/// addressed by `name`, so one run can hold several students and their heads.
///
///     let head = ParameterSet(name: "student0.byte_head", tensors: [
///         .init(name: "weight", shape: [10 * 257, 576], decays: true),
///         .init(name: "bias", shape: [10 * 257], decays: false)])
///     let weight = head.values(of: "weight")          // UnsafeMutableBufferPointer<Float>
public final class ParameterSet: @unchecked Sendable {
    /// One tensor's place in the arena.
    public struct Tensor: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let decays: Bool
        public internal(set) var offset: Int = 0
        public var count: Int { shape.reduce(1, *) }

        /// `decays`: whether AdamW applies weight decay (matrices yes; norms, biases, embeddings no).
        public init(name: String, shape: [Int], decays: Bool) {
            self.name = name
            self.shape = shape
            self.decays = decays
        }
    }

    public let name: String
    public let tensors: [Tensor]
    /// The parameter values (zero-initialised).
    public let values: FloatBuffer
    private var gradientBuffer: FloatBuffer?
    private let index: [String: Int]

    public init(name: String, tensors: [Tensor]) {
        var layout = ArenaLayout()
        var placed = [Tensor]()
        var index = [String: Int]()
        for var tensor in tensors {
            precondition(index[tensor.name] == nil, "duplicate parameter name \(tensor.name)")
            tensor.offset = layout.reserve(tensor.count)
            index[tensor.name] = placed.count
            placed.append(tensor)
        }
        self.name = name
        self.tensors = placed
        self.index = index
        values = FloatBuffer(count: layout.count)
    }

    /// The gradients, allocated (as zeros) on first use: inference-only models never pay for them.
    public var gradients: FloatBuffer {
        if let gradientBuffer { return gradientBuffer }
        let buffer = FloatBuffer(count: values.count)
        gradientBuffer = buffer
        return buffer
    }

    public var hasGradients: Bool { gradientBuffer != nil }

    public func zeroGradients() { gradientBuffer?.zero() }

    public func tensor(_ name: String) -> Tensor? { index[name].map { tensors[$0] } }

    public func values(of name: String) -> UnsafeMutableBufferPointer<Float> {
        guard let tensor = tensor(name) else { preconditionFailure("no parameter \(name) in \(self.name)") }
        return values.view(tensor.offset, tensor.count)
    }

    public func gradients(of name: String) -> UnsafeMutableBufferPointer<Float> {
        guard let tensor = tensor(name) else { preconditionFailure("no parameter \(name) in \(self.name)") }
        return gradients.view(tensor.offset, tensor.count)
    }

    /// Number of trainable values.
    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.count } }

    /// Fills every tensor: decaying (matrix) tensors N(0, std²), the others with `fill(tensor)`'s value.
    public func initialize(seed: UInt64, standardDeviation: (Tensor) -> Float?, constant: (Tensor) -> Float) {
        var random = SeededRandom(seed: seed)
        for tensor in tensors {
            let view = values.view(tensor.offset, tensor.count)
            if let std = standardDeviation(tensor) {
                for i in 0..<view.count { view[i] = Float(random.nextGaussian()) * std }
            } else {
                view.update(repeating: constant(tensor))
            }
        }
    }
}
