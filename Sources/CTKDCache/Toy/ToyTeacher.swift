import CTKDCore

/// A small deterministic teacher over an explicit vocabulary, for tests and for end-to-end runs of
/// `ctkd teach` without model weights (`--toy-teacher`). It implements the same protocols a real
/// engine does, so everything downstream of them runs the production code path.
///
/// Two kinds of next-token distributions:
/// - `bigram`: a table from the previous token to a distribution (the worked example of
///   methods.md §2 is `ToyTeacher.methodsExample`);
/// - `hashed`: log-softmax of pseudo-random logits seeded by the whole history, so every history
///   has its own distribution (a bug that confuses histories cannot hide behind a bigram).
public final class ToyTeacher: TeacherModel, @unchecked Sendable {
    // @unchecked: immutable after init.
    public enum Kind: Sendable {
        /// `table[previous token]` = probabilities over the vocabulary (rows may omit nothing).
        case bigram(table: [Int32: [Double]])
        /// Logits are `scale` × standard normal draws seeded by (seed, history).
        case hashed(seed: UInt64, scale: Double)
    }

    public let vocabularyBytes: [[UInt8]]
    public let beginOfSequence: Int32
    public let endOfSequence: Int32
    public let kind: Kind
    public var vocabularySize: Int { vocabularyBytes.count }
    public let identity: TeacherIdentity

    /// - Parameter tokens: the byte-producing tokens; BOS and EOS are appended as the last two ids.
    public init(tokens: [[UInt8]], kind: Kind, name: String) {
        vocabularyBytes = tokens + [[], []]
        beginOfSequence = Int32(tokens.count)
        endOfSequence = Int32(tokens.count + 1)
        self.kind = kind
        var hasher = SHA256()
        for token in tokens { hasher.update(String(token.count) + ":"); hasher.update(token) }
        identity = TeacherIdentity(weightsSHA256: hasher.finalizeHex(),
                                   configuration: #"{"toy_teacher":"\#(name)","vocabulary_size":\#(tokens.count + 2)}"#)
    }

    /// The next-token log-probs after `history` (which starts with BOS).
    public func logProbs(after history: [Int32]) -> [Float] {
        switch kind {
        case .bigram(let table):
            let row = table[history.last ?? beginOfSequence] ?? []
            return (0..<vocabularySize).map { index in
                let p = index < row.count ? row[index] : 0
                return p > 0 ? Float(log(p)) : -.infinity
            }
        case .hashed(let seed, let scale):
            var hash = seed ^ 0x9E37_79B9_7F4A_7C15
            for token in history { hash = (hash ^ UInt64(UInt32(bitPattern: token))) &* 0x100_0000_01B3; hash ^= hash >> 29 }
            var random = SeededRandom(seed: hash)
            var logits = (0..<vocabularySize).map { _ in scale * random.nextGaussian() }
            logits[Int(beginOfSequence)] = -.infinity
            let maximum = logits.max()!
            let normaliser = maximum + log(logits.reduce(0) { $0 + exp($1 - maximum) })
            return logits.map { Float($0 - normaliser) }
        }
    }

    public func prefill(_ sequences: [TeacherSequence]) throws -> any TeacherPrefill {
        return ToyPrefill(teacher: self, sequences: sequences)
    }

    /// The teacher of methods.md §2: vocabulary {a, b, ab, ba, abb}, bigram probabilities given.
    public static var methodsExample: ToyTeacher {
        let tokens = ["a", "b", "ab", "ba", "abb"].map { Array($0.utf8) }
        // Columns: a, b, ab, ba, abb, BOS, EOS.
        let table: [Int32: [Double]] = [
            5: [0.1, 0.2, 0.3, 0.1, 0.3, 0, 0],
            0: [0.2, 0.2, 0.2, 0.2, 0.1, 0, 0.1],
            1: [0.5, 0.1, 0.1, 0.1, 0.1, 0, 0.1],
            2: [0.3, 0.1, 0.1, 0.3, 0.1, 0, 0.1],
            3: [0.1, 0.1, 0.1, 0.1, 0.1, 0, 0.5],
            4: [0.4, 0.1, 0.1, 0.1, 0.1, 0, 0.2],
        ]
        return ToyTeacher(tokens: tokens, kind: .bigram(table: table), name: "methods-example")
    }
}

/// Rows computed on demand from the toy teacher; branches are evaluated the same way.
final class ToyPrefill: TeacherPrefill {
    let teacher: ToyTeacher
    let sequences: [TeacherSequence]
    /// Rows by (sequence, prefix length), kept so the returned buffers stay valid.
    var rows: [[Int]: UnsafeMutableBufferPointer<Float>] = [:]

    init(teacher: ToyTeacher, sequences: [TeacherSequence]) {
        self.teacher = teacher
        self.sequences = sequences
    }

    deinit { for row in rows.values { row.deallocate() } }

    func logProbs(sequence: Int, prefixLength: Int) -> UnsafeBufferPointer<Float> {
        precondition(prefixLength > sequences[sequence].firstRow && prefixLength <= sequences[sequence].tokens.count,
                     "row \(prefixLength) outside the prefilled rows")
        if let row = rows[[sequence, prefixLength]] { return UnsafeBufferPointer(row) }
        let values = teacher.logProbs(after: Array(sequences[sequence].tokens[0..<prefixLength]))
        let row = UnsafeMutableBufferPointer<Float>.allocate(capacity: values.count)
        _ = row.initialize(from: values)
        rows[[sequence, prefixLength]] = row
        return UnsafeBufferPointer(row)
    }

    func evaluate(_ branches: [BranchRequest], into output: UnsafeMutableBufferPointer<Float>) throws {
        let width = teacher.vocabularySize
        precondition(output.count >= branches.count * width)
        for (index, branch) in branches.enumerated() {
            let history = Array(sequences[branch.sequence].tokens[0..<branch.prefixLength]) + branch.extraTokens
            let values = teacher.logProbs(after: history)
            for column in 0..<width { output[index * width + column] = values[column] }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
