import Synchronization

/// Reusable scratch buffers for the iterations of a parallel loop: an iteration borrows one,
/// uses it, and gives it back, so a loop with thousands of iterations allocates only as many
/// buffers as run at once.
///
///     let pool = ScratchPool()
///     Parallel.forEach(units) { unit in
///         pool.withBuffer(count: rows * keys) { scores in … }
///     }
public final class ScratchPool: Sendable {
    private let free = Mutex<[FloatBuffer]>([])

    public init() {}

    /// Runs `body` with a buffer of at least `count` floats (contents unspecified).
    public func withBuffer<T>(count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> T) rethrows -> T {
        var buffer = free.withLock { $0.popLast() }
        if buffer == nil || buffer!.count < count { buffer = FloatBuffer(count: count) }
        defer { free.withLock { $0.append(buffer!) } }
        return try body(buffer!.pointer)
    }
}
