#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that readers, and a run that is killed half-way, see either the old file or
/// the complete new one, never a part of it: bytes go to a temporary file in the same directory,
/// are flushed to disk, and the temporary file is renamed over the target.
///
///     let out = try AtomicFileWriter(path: "scores.json")
///     out.write("{...}\n")
///     try out.commit()          // without commit() the target is left untouched
public final class AtomicFileWriter {
    public let path: String
    private let temporaryPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var finished = false

    public init(path: String) throws {
        self.path = path
        temporaryPath = path + ".tmp-\(getpid())"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileIO.systemError("cannot create", temporaryPath) }
        buffer.reserveCapacity(1 << 16)
    }

    public func write(_ bytes: some Sequence<UInt8>) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { try flushBuffer() }
    }

    public func write(_ text: String) throws { try write(text.utf8) }

    /// Makes the new content visible under `path`, durably.
    public func commit() throws {
        precondition(!finished, "AtomicFileWriter committed twice")
        try flushBuffer()
        guard fsync(fd) == 0 else { throw FileIO.systemError("cannot sync", temporaryPath) }
        close(fd)
        finished = true
        guard rename(temporaryPath, path) == 0 else {
            let error = FileIO.systemError("cannot rename \(temporaryPath) to", path)
            unlink(temporaryPath)
            throw error
        }
        AtomicFile.syncDirectory(of: path)
    }

    /// Drops what was written; the target keeps its old content.
    public func abandon() {
        guard !finished else { return }
        finished = true
        close(fd)
        unlink(temporaryPath)
    }

    deinit { abandon() }

    private func flushBuffer() throws {
        var offset = 0
        try buffer.withUnsafeBytes { raw in
            while offset < raw.count {
                let written = systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw FileIO.systemError("cannot write", temporaryPath)
                }
                offset += written
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

public enum AtomicFile {
    public static func write(_ bytes: some Sequence<UInt8>, to path: String) throws {
        let writer = try AtomicFileWriter(path: path)
        try writer.write(bytes)
        try writer.commit()
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    /// A rename is durable only once its directory entry is on disk.
    static func syncDirectory(of path: String) {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}
