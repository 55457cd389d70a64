#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One zero-initialised, 64-byte-aligned allocation of Float32 values, freed with its owner.
///
/// Parameters, gradients and activations each live in one `FloatBuffer` and are addressed as
/// views at fixed offsets (llm.c's arena), so a whole model is zeroed, copied or saved in one call.
///
///     let arena = FloatBuffer(count: 1024)
///     let weights = arena.pointer + 256          // a (16, 16) view
///
/// The class is `@unchecked Sendable` because it hands out raw pointers: callers that use it from
/// ctkd's parallel loops write disjoint ranges, which is the contract of every kernel here.
public final class FloatBuffer: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        precondition(count >= 0, "negative buffer size")
        self.count = count
        var raw: UnsafeMutableRawPointer?
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("out of memory allocating \(bytes) bytes")
        }
        memset(raw, 0, bytes)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    deinit { free(pointer) }

    /// All values, as a buffer pointer.
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    /// `count` values starting at `offset`.
    public func view(_ offset: Int, _ length: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(offset >= 0 && length >= 0 && offset + length <= count, "view outside the buffer")
        return UnsafeMutableBufferPointer(start: pointer + offset, count: length)
    }

    public func zero() { memset(pointer, 0, count * MemoryLayout<Float>.stride) }

    /// The values as an array (for tests and small outputs).
    public func toArray() -> [Float] { Array(buffer) }
}

/// A layout of named regions inside one `FloatBuffer`: reserve sizes first, allocate once.
///
///     var layout = ArenaLayout()
///     let mean = layout.reserve(batch * time)
///     let arena = FloatBuffer(count: layout.count)
///     let meanView = arena.pointer + mean
public struct ArenaLayout: Sendable {
    public private(set) var count = 0

    public init() {}

    /// Reserves `length` floats and returns their offset; regions start on 64-byte boundaries so
    /// that every view is as aligned as the arena.
    public mutating func reserve(_ length: Int) -> Int {
        let offset = (count + 15) & ~15
        count = offset + length
        return offset
    }
}
