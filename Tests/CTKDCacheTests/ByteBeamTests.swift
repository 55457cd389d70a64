import Testing
import CTKDCore
@testable import CTKDCache

@Suite struct ByteBeamTests {
    let a = Int(UInt8(ascii: "a")), b = Int(UInt8(ascii: "b"))

    @Test func methodsExampleGivesTheWorkedNumbers() throws {
        let teacher = ToyTeacher.methodsExample
        let beam = try ToyFixtures.beam(teacher, text: "abba", settings: .exact)
        let first = ToyFixtures.distribution(beam.distributions, at: 0)
        #expect(abs(Double(first[first.startIndex + a]) - 0.7) < 1e-6)
        #expect(abs(Double(first[first.startIndex + b]) - 0.3) < 1e-6)
        let afterA = ToyFixtures.distribution(beam.distributions, at: 1)
        #expect(abs(Double(afterA[afterA.startIndex + a]) - 1.0 / 14) < 1e-6)
        #expect(abs(Double(afterA[afterA.startIndex + b]) - 32.0 / 35) < 1e-6)
        #expect(abs(Double(afterA[afterA.startIndex + ByteSymbol.end]) - 1.0 / 70) < 1e-6)
        // Chain rule: the product of the true bytes' targets is P({abba}) = 184/625.
        var product = 1.0
        for (offset, byte) in Array("abba".utf8).enumerated() {
            product *= Double(ToyFixtures.distribution(beam.distributions, at: offset)[offset * ByteSymbol.count + Int(byte)])
        }
        #expect(abs(product - 184.0 / 625) < 1e-6)
        #expect(abs(BruteForceCover(teacher: teacher, prompt: [teacher.beginOfSequence]).prefixMass(Array("abba".utf8)) - 184.0 / 625) < 1e-6)

        let single = try ToyFixtures.singlePass(teacher, text: "abba")
        let singleAfterA = ToyFixtures.distribution(single, at: 1)
        #expect(singleAfterA[singleAfterA.startIndex + b] == 1)
    }

    @Test func unlimitedBeamEqualsBruteForceOnRandomVocabularies() throws {
        var random = SeededRandom(seed: 7)
        let alphabet = Array("abc".utf8)
        for trial in 0..<12 {
            let tokens = ToyFixtures.randomVocabulary(&random, alphabet: alphabet, extra: 4 + trial % 4, maxLength: 3)
            let teacher = ToyTeacher(tokens: tokens, kind: .hashed(seed: UInt64(trial), scale: 1.5), name: "random")
            let length = 3 + random.nextInt(below: 4)
            let text = String(decoding: (0..<length).map { _ in alphabet[random.nextInt(below: 3)] }, as: UTF8.self)
            let beam = try ToyFixtures.beam(teacher, text: text, settings: .exact)
            let reference = BruteForceCover(teacher: teacher, prompt: [teacher.beginOfSequence])
            let bytes = Array(text.utf8)
            var product = 1.0
            for offset in 0...bytes.count {
                let expected = reference.nextByteDistribution(after: Array(bytes[0..<offset]))
                let actual = ToyFixtures.distribution(beam.distributions, at: offset)
                for symbol in 0..<ByteSymbol.count {
                    #expect(abs(Double(actual[actual.startIndex + symbol]) - expected[symbol]) < 2e-5,
                            "trial \(trial) text \(text) offset \(offset) symbol \(symbol)")
                }
                if offset < bytes.count { product *= Double(actual[actual.startIndex + Int(bytes[offset])]) }
            }
            #expect(abs(product - reference.prefixMass(bytes)) < 1e-5 * max(1, reference.prefixMass(bytes)))
            #expect(beam.fallbackCount == 0)
        }
    }

    @Test func byteVocabularyTargetsEqualTheTokenDistribution() throws {
        let tokens = (0..<256).map { [UInt8($0)] }
        let teacher = ToyTeacher(tokens: tokens, kind: .hashed(seed: 3, scale: 2), name: "bytes")
        let text = "hello, wörld"
        let beam = try ToyFixtures.beam(teacher, text: text, settings: .init())
        var history: [Int32] = [teacher.beginOfSequence]
        let bytes = Array(text.utf8)
        for offset in 0...bytes.count {
            let row = teacher.logProbs(after: history)
            let target = ToyFixtures.distribution(beam.distributions, at: offset)
            for symbol in 0..<256 {
                #expect(abs(target[target.startIndex + symbol] - expf(row[symbol])) < 1e-6)
            }
            #expect(abs(target[target.startIndex + ByteSymbol.end] - expf(row[Int(teacher.endOfSequence)])) < 1e-6)
            if offset < bytes.count { history.append(Int32(bytes[offset])) }
        }
        #expect(beam.evaluationCount == 0)
    }

    @Test func permutingIdsAndAddingZeroProbabilityTokensChangeNothing() throws {
        let teacher = ToyTeacher.methodsExample
        let reference = try ToyFixtures.beam(teacher, text: "abbaab", settings: .exact).distributions
        // Permute ids: a -> 4, b -> 2, ab -> 0, ba -> 3, abb -> 1, and add two tokens ("bb", "aab")
        // that the teacher never predicts.
        let permutation = [4, 2, 0, 3, 1]
        var tokens = [[UInt8]](repeating: [], count: 7)
        for (old, new) in permutation.enumerated() { tokens[new] = teacher.vocabularyBytes[old] }
        tokens[5] = Array("bb".utf8)
        tokens[6] = Array("aab".utf8)
        var table = [Int32: [Double]]()
        guard case .bigram(let original) = teacher.kind else { Issue.record("not a bigram"); return }
        func remap(_ old: Int32) -> Int32 { old < 5 ? Int32(permutation[Int(old)]) : old + 2 }
        for (previous, row) in original {
            var newRow = [Double](repeating: 0, count: 9)
            for (old, p) in row.enumerated() { newRow[Int(remap(Int32(old)))] = p }
            table[remap(previous)] = newRow
        }
        let permuted = ToyTeacher(tokens: tokens, kind: .bigram(table: table), name: "permuted")
        let distributions = try ToyFixtures.beam(permuted, text: "abbaab", settings: .exact).distributions
        #expect(zip(reference, distributions).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func targetsAreDistributionsWithADefinedFallback() throws {
        let teacher = ToyTeacher.methodsExample
        // "bbb…": after "ba" the bigram gives "b" .1; "abab" is possible; "c" is not in the
        // vocabulary at all, so the tokenizer refuses it — use a text the teacher finds impossible
        // instead: the bigram after BOS never emits EOS, so the END target at offset 0 is 0, and a
        // teacher whose rows are all -inf gives the fallback.
        let dead = ToyTeacher(tokens: teacher.vocabularyBytes.dropLast(2).map { $0 },
                              kind: .bigram(table: [:]), name: "dead")
        for candidate in [teacher, dead] {
            for settings in [ByteBeamSettings.exact, .init(), .init(mode: .beam, width: 1, relativeThreshold: 0.5)] {
                let beam = try ToyFixtures.beam(candidate, text: "abbab", settings: settings)
                for offset in 0...5 {
                    let target = ToyFixtures.distribution(beam.distributions, at: offset)
                    #expect(target.allSatisfy { $0.isFinite && $0 >= 0 })
                    #expect(abs(target.reduce(0, +) - 1) < 1e-5)
                }
                if candidate === dead { #expect(beam.fallbackCount == 6) }
            }
        }
    }

    @Test func beamConvergesToExactAsItWidensAndCostsLess() throws {
        var random = SeededRandom(seed: 11)
        let alphabet = Array("abcd".utf8)
        let tokens = ToyFixtures.randomVocabulary(&random, alphabet: alphabet, extra: 30, maxLength: 4)
        let teacher = ToyTeacher(tokens: tokens, kind: .hashed(seed: 5, scale: 3), name: "random")
        let text = String(decoding: (0..<12).map { _ in alphabet[random.nextInt(below: 4)] }, as: UTF8.self)
        let exact = try ToyFixtures.beam(teacher, text: text, settings: .exact)
        func meanKL(_ approximate: [Float]) -> Double {
            var total = 0.0
            for offset in 0...text.utf8.count {
                let p = ToyFixtures.distribution(exact.distributions, at: offset)
                let q = ToyFixtures.distribution(approximate, at: offset)
                for (pi, qi) in zip(p, q) where pi > 0 { total += Double(pi) * log(Double(pi) / max(Double(qi), 1e-30)) }
            }
            return total / Double(text.utf8.count + 1)
        }
        let single = try ToyFixtures.singlePass(teacher, text: text)
        let width16 = try ToyFixtures.beam(teacher, text: text, settings: .init(mode: .beam, width: 16, relativeThreshold: 0))
        let width64 = try ToyFixtures.beam(teacher, text: text, settings: .init(mode: .beam, width: 64, relativeThreshold: 0))
        #expect(meanKL(width16.distributions) < 1e-3 * meanKL(single))
        #expect(meanKL(width64.distributions) < 1e-6)
        #expect(width16.evaluationCount < width64.evaluationCount && width64.evaluationCount < exact.evaluationCount)
    }

    @Test func lockstepBatchEqualsOneAtATime() throws {
        var random = SeededRandom(seed: 13)
        let alphabet = Array("ab".utf8)
        let tokens = ToyFixtures.randomVocabulary(&random, alphabet: alphabet, extra: 6, maxLength: 3)
        let teacher = ToyTeacher(tokens: tokens, kind: .hashed(seed: 1, scale: 1), name: "random")
        let texts = ["abba", "b", "abababab", "bbbaaab"]
        let together = try ToyFixtures.beams(teacher, texts: texts, settings: .init())
        for (index, text) in texts.enumerated() {
            let alone = try ToyFixtures.beam(teacher, text: text, settings: .init())
            #expect(alone.distributions == together[index].distributions)
            #expect(alone.evaluationCount == together[index].evaluationCount)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
