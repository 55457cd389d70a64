import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C (SIGINT) and SIGTERM as a request to stop at the next safe point.
///
/// Long stages call `StopSignal.install()` and poll `StopSignal.requested` at batch boundaries,
/// where everything before is committed; they then exit with `StopSignal.exitCode`. A second
/// signal exits at once: nothing is lost, because every stage can resume from its last commit.
public enum StopSignal {
    private static let flag = Atomic<Bool>(false)

    public static var requested: Bool { flag.load(ordering: .relaxed) }

    /// The conventional exit status of a process stopped by SIGINT.
    public static let exitCode: Int32 = 130

    public static func install() {
        let handler: @convention(c) (Int32) -> Void = { signalNumber in
            if StopSignal.flag.exchange(true, ordering: .relaxed) {
                _exit(128 + signalNumber)
            }
            let message = "\nstopping after the current batch (press Ctrl-C again to stop now)\n"
            _ = message.withCString { systemWrite(2, $0, strlen($0)) }
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    /// For tests: forget a previous request.
    public static func reset() { flag.store(false, ordering: .relaxed) }

    /// Throws `Stopped` when a stop was requested; call it where stopping is safe.
    public static func checkpoint() throws {
        if requested { throw Stopped() }
    }

    /// Thrown at a safe point after Ctrl-C; the CLI exits with `exitCode` and a short message.
    public struct Stopped: Error, CustomStringConvertible {
        public init() {}
        public var description: String { "stopped by signal; run the same command again to continue" }
    }
}
