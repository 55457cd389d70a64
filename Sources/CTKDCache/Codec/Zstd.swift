import CZstd

/// zstd compression with reused contexts (one compressor or decompressor per thread: creating a
/// context per call costs more than compressing a small frame).
///
/// Frames carry their content size, so the decompressor allocates once and can reject a frame
/// whose stated size is implausible before decoding it.
public final class ZstdCompressor {
    let context: OpaquePointer
    public let level: Int32

    public init(level: Int32 = 3) {
        context = ZSTD_createCCtx()
        self.level = level
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)
        ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 1)
        // No zstd checksum: every row carries an XXH64 over its stored bytes.
        ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 0)
    }

    deinit { ZSTD_freeCCtx(context) }

    public func compress(_ input: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count))
        let written = output.withUnsafeMutableBytes { out in
            input.withUnsafeBytes { inp in
                ZSTD_compress2(context, out.baseAddress, out.count, inp.baseAddress, inp.count)
            }
        }
        precondition(ZSTD_isError(written) == 0, "zstd compression failed: \(String(cString: ZSTD_getErrorName(written)))")
        output.removeSubrange(written...)
        return output
    }
}

public final class ZstdDecompressor {
    let context: OpaquePointer
    var buffer: UnsafeMutableRawBufferPointer

    public init() {
        context = ZSTD_createDCtx()
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
    }

    deinit {
        ZSTD_freeDCtx(context)
        buffer.deallocate()
    }

    /// Decompresses one frame into an internal buffer and passes the bytes to `body` (valid only
    /// inside it). Frames larger than `maximumSize` are rejected as damaged.
    public func withDecompressed<T>(_ frame: UnsafeRawBufferPointer, maximumSize: Int = 1 << 30,
                                    _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        let size = ZSTD_getFrameContentSize(frame.baseAddress, frame.count)
        guard size != ZSTD_CONTENTSIZE_ERROR, size != ZSTD_CONTENTSIZE_UNKNOWN, size <= UInt64(maximumSize) else {
            throw CacheFormatError("not a zstd frame with a known size")
        }
        if Int(size) > buffer.count {
            buffer.deallocate()
            buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(Int(size), 2 * buffer.count), alignment: 16)
        }
        let written = ZSTD_decompressDCtx(context, buffer.baseAddress, buffer.count, frame.baseAddress, frame.count)
        guard ZSTD_isError(written) == 0 else {
            throw CacheFormatError("zstd: \(String(cString: ZSTD_getErrorName(written)))")
        }
        guard written == Int(size) else { throw CacheFormatError("zstd frame decoded to \(written) bytes, header says \(size)") }
        return try body(UnsafeRawBufferPointer(rebasing: buffer[0..<written]))
    }
}
