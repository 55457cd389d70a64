import Testing
import CTKDTestSupport
@testable import CTKDCore

@Suite struct StorageTests {
    @Test func atomicWriterLeavesTargetUntouchedUntilCommit() throws {
        let path = try TestSupport.temporaryDirectory() + "/out.txt"
        try AtomicFile.write("old", to: path)
        do {
            let writer = try AtomicFileWriter(path: path)
            try writer.write("new content")
            #expect(try FileIO.readText(path) == "old")
            writer.abandon()
        }
        #expect(try FileIO.readText(path) == "old")
        let writer = try AtomicFileWriter(path: path)
        try writer.write(String(repeating: "x", count: 100_000))
        try writer.commit()
        #expect(try FileIO.read(path).count == 100_000)
        #expect(try FileIO.list(String(path.dropLast(8))) == ["out.txt"])
    }

    @Test func sqliteRoundTripsValuesInTransactions() throws {
        let path = try TestSupport.temporaryDirectory() + "/db.sqlite"
        let db = try SQLiteDatabase(path: path)
        try db.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, r REAL, s TEXT, b BLOB)")
        let insert = try db.prepare("INSERT INTO t VALUES (?, ?, ?, ?)")
        try db.transaction {
            try insert.run(.integer(1), .real(0.5), .text("héllo"), .blob([0, 1, 255]))
            try insert.run(.integer(2), .null, .text(""), .blob([]))
        }
        let rows = try db.prepare("SELECT k, r, s, b FROM t ORDER BY k").rows()
        #expect(rows[0] == [.integer(1), .real(0.5), .text("héllo"), .blob([0, 1, 255])])
        #expect(rows[1] == [.integer(2), .null, .text(""), .blob([])])

        struct Failure: Error {}
        #expect(throws: Failure.self) {
            try db.transaction {
                try insert.run(.integer(3), .null, .null, .null)
                throw Failure()
            }
        }
        #expect(try db.scalar("SELECT count(*) FROM t")?.integer == 2)
    }

    @Test func sqliteErrorNamesFileAndSQL() throws {
        let path = try TestSupport.temporaryDirectory() + "/db.sqlite"
        let db = try SQLiteDatabase(path: path)
        let error = #expect(throws: SQLiteError.self) { try db.execute("SELECT * FROM missing") }
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("no such table: missing") == true)
    }

    @Test func seededRandomIsReproducibleAndResumable() {
        var a = SeededRandom(seed: 7)
        var b = SeededRandom(seed: 7)
        for _ in 0..<10 { _ = a.next(); _ = b.next() }
        var resumed = SeededRandom(state: a.state)
        #expect((0..<100).map { _ in a.nextFloat() } == (0..<100).map { _ in resumed.nextFloat() })
        #expect(SeededRandom(seed: 1).state != SeededRandom(seed: 2).state)
        let gaussians = (0..<20_000).map { _ in b.nextGaussian() }
        let mean = gaussians.reduce(0, +) / Double(gaussians.count)
        let variance = gaussians.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(gaussians.count)
        #expect(abs(mean) < 0.03)
        #expect(abs(variance - 1) < 0.05)
    }

    @Test func parallelMapKeepsOrder() {
        #expect(Parallel.map(1000) { $0 * $0 } == (0..<1000).map { $0 * $0 })
        var sums = [Int](repeating: 0, count: 4)
        sums.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            Parallel.forEachChunk(4000, minimumChunk: 1000) { range in
                base[range.lowerBound / 1000] = range.reduce(0, +)
            }
        }
        #expect(sums.reduce(0, +) == (0..<4000).reduce(0, +))
    }

    @Test func progressLineShowsRateAndETA() {
        let progress = ProgressReporter(label: "teach", total: 100, unit: "examples", isTerminal: false)
        let line = progress.line(completed: 50, detail: "positions/s 10", now: .now.addingTimeInterval(10))
        #expect(line.hasPrefix("teach: 50/100 examples (50.0%), "))
        #expect(line.contains("positions/s 10"))
        #expect(line.contains("ETA"))
    }
}
