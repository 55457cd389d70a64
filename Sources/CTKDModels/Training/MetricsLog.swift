import Foundation
import CTKDCore
#if canImport(Glibc)
import Glibc
#endif

/// The training metrics log: JSON Lines appended one object per logged step,
/// `{"step", "loss", "lr", "tokens_per_second", "elapsed_seconds", …one key per loss term}`.
///
/// Each line is one `write` to a file opened with O_APPEND, so a kill leaves whole lines (and at
/// worst a last partial line, which `truncate(toBytes:)` removes on resume).
public final class MetricsLog {
    public let path: String
    private let fd: Int32

    public init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CTKDError("cannot open for appending: \(String(cString: strerror(errno)))", file: path) }
    }

    deinit { close(fd) }

    /// The current size, recorded in checkpoints.
    public var byteCount: Int {
        var status = stat()
        return fstat(fd, &status) == 0 ? Int(status.st_size) : 0
    }

    /// Drops lines written after the checkpoint a resumed run restarts from.
    public func truncate(toBytes count: Int) throws {
        guard ftruncate(fd, off_t(count)) == 0 else {
            throw CTKDError("cannot truncate: \(String(cString: strerror(errno)))", file: path)
        }
    }

    /// Appends one line; the leading keys keep the handbook's order, the others follow sorted.
    public func append(step: Int, loss: Double, learningRate: Double, tokensPerSecond: Double, elapsedSeconds: Double,
                       extra: [String: Double]) throws {
        var fields = [("step", "\(step)"), ("loss", Self.number(loss)), ("lr", Self.number(learningRate)),
                      ("tokens_per_second", Self.number(tokensPerSecond)), ("elapsed_seconds", Self.number(elapsedSeconds))]
        fields += extra.keys.sorted().map { ($0, Self.number(extra[$0]!)) }
        let line = "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}\n"
        let bytes = Array(line.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
        guard written == bytes.count else { throw CTKDError("cannot append to the metrics log", file: path) }
    }

    /// JSON has no NaN or infinity: they are written as null.
    static func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }
}
