/// How teacher and student response positions are paired for token-level terms (methods.md §3).
public enum AlignmentMode: String, Codable, CaseIterable, Sendable {
    /// Teacher position i with student position i, for i < min(T_t, student positions without the
    /// final EOS position) — the ULD and MultiLevelOT papers' rule.
    case index
    /// Positions whose predicted tokens start at the same byte offset, i.e. the tokens they have
    /// read end at the same offset: both distributions are conditioned on the same response bytes.
    /// Positions predicting no bytes (EOS, byte-less special tokens) are never paired.
    case bytes
}

/// A teacher response position paired with a student response position.
public struct PositionPair: Sendable, Equatable, Hashable {
    public var teacher: Int
    public var student: Int

    public init(teacher: Int, student: Int) {
        self.teacher = teacher
        self.student = student
    }
}

/// Pairs teacher and student response positions. Every position appears in at most one pair and
/// pairs are in increasing order on both sides, so per-pair work on student rows never collides.
///
///     // teacher "hello" | " world";  student "hel" | "lo" | " wor" | "ld" | EOS
///     Alignment.pairs(.bytes, teacher: [0..<5, 5..<11], student: [0..<3, 3..<5, 5..<9, 9..<11, 11..<11])
///     // → (0, 0), (1, 2): both sides predict a token at byte 0 and at byte 5.
public enum Alignment {
    public static func pairs(_ mode: AlignmentMode, teacher: [ByteSpan], student: [ByteSpan],
                             responseLength: Int) -> [PositionPair] {
        switch mode {
        case .index:
            var studentCount = student.count
            if let last = student.last, last.isEmpty, last.start == responseLength { studentCount -= 1 }
            return (0..<max(0, min(teacher.count, studentCount))).map { PositionPair(teacher: $0, student: $0) }
        case .bytes:
            var pairs = [PositionPair]()
            var t = 0
            var s = 0
            while t < teacher.count && s < student.count {
                if teacher[t].isEmpty { t += 1; continue }
                if student[s].isEmpty { s += 1; continue }
                if teacher[t].start == student[s].start {
                    pairs.append(PositionPair(teacher: t, student: s))
                    t += 1
                    s += 1
                } else if teacher[t].start < student[s].start {
                    t += 1
                } else {
                    s += 1
                }
            }
            return pairs
        }
    }
}
