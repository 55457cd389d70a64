extension JSONLines {
    /// `forEachLine(in:)` for files too large to hold in memory: reads 1 MiB chunks and keeps at
    /// most one line (plus a chunk) in memory. Same rules: blank lines are skipped, a trailing
    /// `\r` is dropped, and a `CTKDError` thrown by `body` is located at the file and line.
    ///
    ///     try JSONLines.forEachLine(streamingFrom: "big.jsonl") { line, bytes in … }
    public static func forEachLine(
        streamingFrom path: String, _ body: (_ line: Int, _ bytes: ArraySlice<UInt8>) throws -> Void
    ) throws {
        var pending = [UInt8]()
        var lineNumber = 0
        func emit(_ line: ArraySlice<UInt8>) throws {
            lineNumber += 1
            var content = line
            if content.last == 0x0D { content = content.dropLast() }
            guard content.contains(where: { !isJSONWhitespace($0) }) else { return }
            do {
                try body(lineNumber, content)
            } catch let error as CTKDError {
                throw error.located(file: path, line: lineNumber)
            }
        }
        try FileIO.forEachChunk(of: path) { chunk in
            var start = 0
            while let newline = chunk[start...].firstIndex(of: 0x0A) {
                if pending.isEmpty {
                    try emit(ArraySlice(UnsafeRawBufferPointer(rebasing: chunk[start..<newline])))
                } else {
                    pending.append(contentsOf: chunk[start..<newline])
                    try emit(pending[...])
                    pending.removeAll(keepingCapacity: true)
                }
                start = newline + 1
            }
            pending.append(contentsOf: chunk[start...])
        }
        if !pending.isEmpty { try emit(pending[...]) }
    }

    /// The number of non-blank lines (records) of a file, streaming.
    public static func countRecords(in path: String) throws -> Int {
        var count = 0
        try forEachLine(streamingFrom: path) { _, _ in count += 1 }
        return count
    }
}
