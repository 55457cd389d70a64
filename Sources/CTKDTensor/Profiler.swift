import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock time per named section, collected only when enabled (`CTKD_PROFILE=1` or
/// `Profiler.isEnabled = true`), so that the engine can say where a step's time goes.
///
///     Profiler.measure("attention.forward") { … }
///     print(Profiler.report())
///
/// Sections are timed on the calling thread; they are meant for the engine's top-level phases
/// (one layer's forward, the optimizer step), which run on one thread and parallelise inside.
public enum Profiler {
    private static let enabledFlag = Atomic<Bool>(getenv("CTKD_PROFILE").map { String(cString: $0) == "1" } ?? false)
    private static let table = Mutex<[String: (seconds: Double, calls: Int)]>([:])

    public static var isEnabled: Bool {
        get { enabledFlag.load(ordering: .relaxed) }
        set { enabledFlag.store(newValue, ordering: .relaxed) }
    }

    /// Seconds since an arbitrary origin, monotonic.
    @inline(__always)
    public static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }

    /// With `CTKD_PROFILE_CLOCK=cpu`, sections measure the calling thread's CPU time instead of
    /// wall time: with `CTKD_THREADS=1` that is the work itself, unaffected by a busy machine.
    private static let measuresCPUTime = getenv("CTKD_PROFILE_CLOCK").map { String(cString: $0) == "cpu" } ?? false

    @inline(__always)
    static func sectionClock() -> Double {
        guard measuresCPUTime else { return now() }
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }

    @inline(__always)
    public static func measure<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        guard isEnabled else { return try body() }
        let start = sectionClock()
        defer { record(name, seconds: sectionClock() - start) }
        return try body()
    }

    public static func record(_ name: String, seconds: Double) {
        table.withLock { entries in
            let old = entries[name] ?? (0, 0)
            entries[name] = (old.seconds + seconds, old.calls + 1)
        }
    }

    public static func reset() { table.withLock { $0.removeAll() } }

    /// The collected sections, largest total first.
    public static func entries() -> [(name: String, seconds: Double, calls: Int)] {
        table.withLock { entries in
            entries.map { (name: $0.key, seconds: $0.value.seconds, calls: $0.value.calls) }
                .sorted { $0.seconds > $1.seconds }
        }
    }

    /// A table of sections: total milliseconds, calls, share of the summed time.
    public static func report() -> String {
        let rows = entries()
        let total = rows.reduce(0) { $0 + $1.seconds }
        var text = "section                              total ms    calls   share\n"
        for row in rows {
            let name = row.name.padding(toLength: 34, withPad: " ", startingAt: 0)
            let milliseconds = String(format: "%10.1f", row.seconds * 1000)
            let calls = String(format: "%8d", row.calls)
            let share = String(format: "%6.1f%%", total > 0 ? 100 * row.seconds / total : 0)
            text += "\(name) \(milliseconds) \(calls)  \(share)\n"
        }
        return text
    }
}
