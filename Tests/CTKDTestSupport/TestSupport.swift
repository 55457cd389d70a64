import Foundation
import CTKDCore

/// Paths and helpers shared by the test targets.
public enum TestSupport {
    /// The repository root, found from this source file's location.
    public static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/CTKDTestSupport/TestSupport.swift
        return url.path
    }()

    /// `Tests/Fixtures/<relative>`.
    public static func fixture(_ relative: String) -> String {
        repositoryRoot + "/Tests/Fixtures/" + relative
    }

    /// A new empty directory under the system's temporary directory, unique to this call.
    public static func temporaryDirectory(_ label: String = "ctkd-test") throws -> String {
        let path = NSTemporaryDirectory() + "\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileIO.createDirectory(path)
        return path
    }

    /// The `ctkd` executable built next to the test bundle (same configuration).
    public static let ctkdBinary: String = {
        var url = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        while url.pathComponents.count > 1 {
            url.deleteLastPathComponent()
            let candidate = url.appendingPathComponent("ctkd").path
            if FileManager.default.isExecutableFile(atPath: candidate) && !FileIO.isDirectory(candidate) {
                return candidate
            }
        }
        return repositoryRoot + "/.build/debug/ctkd"
    }()

    public struct ProcessResult: Sendable {
        public let exitCode: Int32
        public let stdout: String
        public let stderr: String
        public let signaled: Bool
    }

    /// Runs `ctkd` with `arguments` and waits for it.
    @discardableResult
    public static func runCTKD(_ arguments: [String], currentDirectory: String? = nil,
                               environment: [String: String] = [:]) throws -> ProcessResult {
        let process = try startCTKD(arguments, currentDirectory: currentDirectory, environment: environment)
        return process.wait()
    }

    /// A running `ctkd` whose output is collected into temporary files.
    public final class RunningProcess: @unchecked Sendable {
        public let process: Process
        let stdoutPath: String
        let stderrPath: String

        init(process: Process, stdoutPath: String, stderrPath: String) {
            self.process = process
            self.stdoutPath = stdoutPath
            self.stderrPath = stderrPath
        }

        public func kill(signal: Int32 = SIGKILL) { Foundation.kill(process.processIdentifier, signal) }

        public var isRunning: Bool { process.isRunning }

        public func wait() -> ProcessResult {
            process.waitUntilExit()
            let out = (try? FileIO.read(stdoutPath)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            let err = (try? FileIO.read(stderrPath)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            try? FileIO.remove(stdoutPath)
            try? FileIO.remove(stderrPath)
            return ProcessResult(exitCode: process.terminationStatus, stdout: out, stderr: err,
                                 signaled: process.terminationReason == .uncaughtSignal)
        }
    }

    public static func startCTKD(_ arguments: [String], currentDirectory: String? = nil,
                                 environment: [String: String] = [:]) throws -> RunningProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ctkdBinary)
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let stamp = "\(getpid())-\(UUID().uuidString.prefix(8))"
        let stdoutPath = NSTemporaryDirectory() + "ctkd-out-\(stamp)"
        let stderrPath = NSTemporaryDirectory() + "ctkd-err-\(stamp)"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
        return RunningProcess(process: process, stdoutPath: stdoutPath, stderrPath: stderrPath)
    }
}
