import Testing
@testable import CTKDLosses

@Suite struct AlignmentTests {
    // Response "hello world" (11 bytes): teacher "hello" | " world"; student "hel" | "lo" | " wor" | "ld" | EOS.
    static let teacher = LossTestSupport.spans([5, 6])
    static let student = LossTestSupport.spans([3, 2, 4, 2], endOfSequence: true)

    @Test func bytesPairsPositionsThatStartAtTheSameOffset() {
        let pairs = Alignment.pairs(.bytes, teacher: Self.teacher, student: Self.student, responseLength: 11)
        #expect(pairs == [PositionPair(teacher: 0, student: 0), PositionPair(teacher: 1, student: 2)])
    }

    @Test func indexPairsByPositionAndLeavesOutTheStudentsEOS() {
        #expect(Alignment.pairs(.index, teacher: Self.teacher, student: Self.student, responseLength: 11)
                == [PositionPair(teacher: 0, student: 0), PositionPair(teacher: 1, student: 1)])
        // Teacher longer than the student: the EOS position still does not pair.
        let teacher = LossTestSupport.spans([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
        let pairs = Alignment.pairs(.index, teacher: teacher, student: Self.student, responseLength: 11)
        #expect(pairs.map(\.student) == [0, 1, 2, 3])
    }

    @Test func identicalTokenizationsPairEveryContentPosition() {
        let spans = LossTestSupport.spans([2, 1, 4])
        let student = spans + [ByteSpan(start: 7, end: 7)]
        for mode in AlignmentMode.allCases {
            let pairs = Alignment.pairs(mode, teacher: spans, student: student, responseLength: 7)
            #expect(pairs == (0..<3).map { PositionPair(teacher: $0, student: $0) }, "\(mode)")
        }
    }

    @Test func bytelessTokensAreNeverPairedByBytes() {
        // A special token with no bytes at offset 2 on the student side, and on the teacher side.
        let teacher = [ByteSpan(start: 0, end: 2), ByteSpan(start: 2, end: 2), ByteSpan(start: 2, end: 4)]
        let student = [ByteSpan(start: 0, end: 2), ByteSpan(start: 2, end: 2), ByteSpan(start: 2, end: 3),
                       ByteSpan(start: 3, end: 4), ByteSpan(start: 4, end: 4)]
        let pairs = Alignment.pairs(.bytes, teacher: teacher, student: student, responseLength: 4)
        #expect(pairs == [PositionPair(teacher: 0, student: 0), PositionPair(teacher: 2, student: 2)])
    }

    @Test func emptyResponses() {
        #expect(Alignment.pairs(.bytes, teacher: [], student: [ByteSpan(start: 0, end: 0)], responseLength: 0).isEmpty)
        #expect(Alignment.pairs(.index, teacher: [], student: [ByteSpan(start: 0, end: 0)], responseLength: 0).isEmpty)
    }
}
