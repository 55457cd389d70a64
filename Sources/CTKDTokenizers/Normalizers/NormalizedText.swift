/// A byte span `[start, end)` into the UTF-8 input of `encode`.
public typealias ByteSpan = Range<Int>

/// Text on its way through the pipeline: its current bytes and, for every byte, the span of
/// input bytes it came from. Bytes that a stage keeps map to themselves one to one (so a token
/// that splits a multi-byte character still gets its exact bytes); bytes a stage rewrites map
/// to the whole input span they replace; inserted bytes (a prepended "▁") map to the empty span
/// at the position where they were inserted.
public struct NormalizedText: Sendable {
    public var bytes: [UInt8]
    /// Input span of each byte, as parallel arrays (lower, upper).
    public var spanStarts: [Int32]
    public var spanEnds: [Int32]

    /// The text of `input[range]` unchanged.
    public init(input: UnsafeBufferPointer<UInt8>, range: Range<Int>) {
        bytes = Array(input[range])
        spanStarts = (range.lowerBound..<range.upperBound).map { Int32($0) }
        spanEnds = (range.lowerBound..<range.upperBound).map { Int32($0 + 1) }
    }

    init(capacity: Int) {
        bytes = []; spanStarts = []; spanEnds = []
        bytes.reserveCapacity(capacity); spanStarts.reserveCapacity(capacity); spanEnds.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }
    public var isEmpty: Bool { bytes.isEmpty }

    /// The input span covered by the bytes `range` of this text.
    @inline(__always)
    public func inputSpan(_ range: Range<Int>) -> ByteSpan {
        if range.isEmpty {
            let p = range.lowerBound < count ? Int(spanStarts[range.lowerBound]) : Int(spanEnds.last ?? 0)
            return p..<p
        }
        return Int(spanStarts[range.lowerBound])..<Int(spanEnds[range.upperBound - 1])
    }

    /// A copy of `range` of this text.
    func slice(_ range: Range<Int>) -> NormalizedText {
        var out = NormalizedText(capacity: range.count)
        out.bytes.append(contentsOf: bytes[range])
        out.spanStarts.append(contentsOf: spanStarts[range])
        out.spanEnds.append(contentsOf: spanEnds[range])
        return out
    }

    mutating func appendKept(from source: NormalizedText, _ range: Range<Int>) {
        bytes.append(contentsOf: source.bytes[range])
        spanStarts.append(contentsOf: source.spanStarts[range])
        spanEnds.append(contentsOf: source.spanEnds[range])
    }

    /// Appends `replacement`, every byte of which stands for the whole of `span`.
    mutating func appendReplacement(_ replacement: some Collection<UInt8>, for span: ByteSpan) {
        bytes.append(contentsOf: replacement)
        let count = replacement.count
        spanStarts.append(contentsOf: repeatElement(Int32(span.lowerBound), count: count))
        spanEnds.append(contentsOf: repeatElement(Int32(span.upperBound), count: count))
    }

    /// `replacement` inserted before the first byte (HF `prepend`).
    func prepending(_ prefix: [UInt8]) -> NormalizedText {
        guard !isEmpty else { return self }
        var out = NormalizedText(capacity: count + prefix.count)
        let position = Int(spanStarts[0])
        out.appendReplacement(prefix, for: position..<position)
        out.appendKept(from: self, 0..<count)
        return out
    }

    /// Every occurrence of `pattern` (non-overlapping, left to right) replaced by `content`.
    func replacing(_ pattern: [UInt8], with content: [UInt8]) -> NormalizedText {
        guard !pattern.isEmpty, let first = pattern.first, bytes.contains(first) else { return self }
        var out = NormalizedText(capacity: count)
        var i = 0, keptFrom = 0
        while i + pattern.count <= count {
            if bytes[i] == first && bytes[i..<(i + pattern.count)].elementsEqual(pattern) {
                out.appendKept(from: self, keptFrom..<i)
                out.appendReplacement(content, for: inputSpan(i..<(i + pattern.count)))
                i += pattern.count
                keptFrom = i
            } else {
                i += 1
            }
        }
        out.appendKept(from: self, keptFrom..<count)
        return out
    }

    /// Calls `body` with each scalar's byte range and value (`UTF8Scanner.invalid` for a byte
    /// that is not valid UTF-8).
    func forEachScalar(_ body: (Range<Int>, UInt32) -> Void) {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var i = 0
            while i < buffer.count {
                let (scalar, length) = UTF8Scanner.decode(base, i, buffer.count)
                body(i..<(i + length), scalar)
                i += length
            }
        }
    }

    /// Maps each scalar through `transform` (nil keeps it); rewritten scalars map to their span.
    func mappingScalars(_ transform: (UInt32) -> [UInt8]?) -> NormalizedText {
        var out = NormalizedText(capacity: count)
        var changed = false
        forEachScalar { range, scalar in
            if scalar != UTF8Scanner.invalid, let replacement = transform(scalar) {
                changed = true
                out.appendReplacement(replacement, for: inputSpan(range))
            } else {
                out.appendKept(from: self, range)
            }
        }
        return changed ? out : self
    }
}
