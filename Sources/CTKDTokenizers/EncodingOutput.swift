import CTKDCore

/// JSON Lines output of `ctkd tokenizer encode`: `{"ids": [...], "offsets": [[start, end], ...]}`,
/// written by hand because it is the hot path of encoding a corpus.
public enum EncodingOutput {
    /// Encodes `input[line]` for each line, in parallel, and returns the JSON lines in order.
    public static func jsonLines(_ tokenizer: Tokenizer, _ input: [UInt8], lines: [Range<Int>], addSpecialTokens: Bool,
                                 huggingFaceOffsets: Bool) -> [UInt8] {
        let chunks = max(1, min(Parallel.threadCount * 4, lines.count / 64))
        let parts: [[UInt8]] = input.withUnsafeBufferPointer { all in
            Parallel.map(chunks) { chunk in
                var out: [UInt8] = []
                tokenizer.scratchPool.withScratch { scratch in
                    for line in lines[(lines.count * chunk / chunks)..<(lines.count * (chunk + 1) / chunks)] {
                        let slice = UnsafeBufferPointer(rebasing: all[line])
                        let encoding = tokenizer.encode(slice, addSpecialTokens: addSpecialTokens, scratch: scratch)
                        let spans = huggingFaceOffsets
                            ? tokenizer.huggingFaceOffsets(encoding, input: Array(slice), addSpecialTokens: addSpecialTokens)
                            : encoding.offsets
                        appendJSONLine(encoding.ids, spans, to: &out)
                    }
                }
                return out
            }
        }
        return parts.flatMap { $0 }
    }

    public static func appendJSONLine(_ ids: [Int], _ offsets: [ByteSpan], to out: inout [UInt8]) {
        out.append(contentsOf: #"{"ids": ["#.utf8)
        for (k, id) in ids.enumerated() {
            if k > 0 { out.append(contentsOf: [0x2C, 0x20]) }
            appendInteger(id, to: &out)
        }
        out.append(contentsOf: #"], "offsets": ["#.utf8)
        for (k, span) in offsets.enumerated() {
            if k > 0 { out.append(contentsOf: [0x2C, 0x20]) }
            out.append(UInt8(ascii: "["))
            appendInteger(span.lowerBound, to: &out)
            out.append(contentsOf: [0x2C, 0x20])
            appendInteger(span.upperBound, to: &out)
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: "]}\n".utf8)
    }

    @inline(__always)
    static func appendInteger(_ value: Int, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")); appendInteger(-value, to: &out); return }
        if value < 10 { out.append(UInt8(48 + value)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = value, count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while n > 0 { buffer[count] = UInt8(48 + n % 10); n /= 10; count += 1 }
            for k in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[k]) }
        }
    }
}
