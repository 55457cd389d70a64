import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// ctkd's own parallel loops. They run on all cores (or `CTKD_THREADS`); code that calls BLAS
/// from inside such a loop must give BLAS one thread for the duration (`CTKDTensor.BLAS`),
/// or two BLAS threads per ctkd thread oversubscribe the cores.
public enum Parallel {
    /// Worker count for ctkd's own loops: `CTKD_THREADS` if set, else the number of online CPUs.
    public static let threadCount: Int = {
        if let value = getenv("CTKD_THREADS").flatMap({ Int(String(cString: $0)) }), value > 0 {
            return value
        }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }()

    /// Runs `body(i)` for i in 0..<count on up to `threadCount` threads and returns when all are
    /// done. Iterations must be independent.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        if count == 1 || threadCount == 1 {
            for index in 0..<count { body(index) }
            return
        }
        concurrentPerform(count, body)
    }

    /// Splits 0..<count into at most `threadCount` contiguous ranges of at least `minimumChunk`
    /// items and runs `body` on each range in parallel.
    public static func forEachChunk(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let chunks = max(1, min(threadCount, count / max(1, minimumChunk)))
        if chunks == 1 {
            body(0..<count)
            return
        }
        concurrentPerform(chunks) { chunk in
            body((count * chunk / chunks)..<(count * (chunk + 1) / chunks))
        }
    }

    /// Maps `transform` over 0..<count in parallel, keeping the order of results.
    public static func map<T>(_ count: Int, _ transform: (Int) throws -> T) rethrows -> [T] {
        var results = [Result<T, any Error>?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { buffer in
            let base = UncheckedPointer(buffer.baseAddress!)
            forEach(count) { index in
                base.pointer[index] = Result { try transform(index) }
            }
        }
        return try results.map { try $0!.get() }
    }
}

/// Dispatch wants a `@Sendable` body. ctkd's loops capture unsafe pointers into buffers that each
/// iteration touches disjointly, which the type system cannot express; the contract "iterations
/// are independent" is documented on every public entry point instead. The body does not escape.
private func concurrentPerform(_ iterations: Int, _ body: (Int) -> Void) {
    withoutActuallyEscaping(body) { body in
        let sendableBody = unsafeBitCast(body, to: (@Sendable (Int) -> Void).self)
        DispatchQueue.concurrentPerform(iterations: iterations, execute: sendableBody)
    }
}

/// A pointer that may cross into a parallel loop. Each iteration must touch disjoint elements.
public struct UncheckedPointer<Element>: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Element>
    public init(_ pointer: UnsafeMutablePointer<Element>) { self.pointer = pointer }
}
