import Testing
@testable import CTKDCore
@testable import CTKDData

@Suite struct SplitterTests {
    func examples(_ count: Int, from start: Int = 0) -> [DatasetExample] {
        (start..<start + count).map { DatasetExample(id: "ex-\($0)", prompt: "p\($0)") }
    }

    @Test func fractionsParseAndValidate() throws {
        let fractions = try SplitFractions(parsing: "train=0.8, validation=0.1,test=0.1")
        #expect(fractions.parts.map(\.name) == ["train", "validation", "test"])
        #expect(throws: CTKDError("split fractions sum to 0.9, not 1")) { try SplitFractions(parsing: "train=0.8,test=0.1") }
        #expect(throws: CTKDError("split \"a\" given twice")) { try SplitFractions(parsing: "a=0.5,a=0.5") }
        #expect(throws: CTKDError("split name \"a/b\" must be letters, digits, \"_\" or \"-\"")) {
            try SplitFractions(parsing: "a/b=1")
        }
        #expect(throws: CTKDError("\"train\" is not name=fraction (e.g. train=0.9,validation=0.1)")) {
            try SplitFractions(parsing: "train")
        }
        #expect(throws: CTKDError("split \"b\": fraction -0.5 is not in (0, 1]")) { try SplitFractions(parsing: "a=0.5,b=-0.5") }
    }

    @Test func unitHashIsSHA256OfSaltAndId() {
        // Python: w = int.from_bytes(hashlib.sha256(b"ctkd\x00ex-0").digest()[:8], "big"); (w >> 11) * 2**-53
        #expect(DatasetSplitter.unitHash(id: "ex-0", salt: "ctkd") == 0.20431142812143477)
        #expect(DatasetSplitter.unitHash(id: "ex-0", salt: "other") != 0.20431142812143477)
    }

    @Test func splitsAreProportionalOrderedAndStable() throws {
        let fractions = try SplitFractions(parsing: "train=0.8,validation=0.1,test=0.1")
        let all = examples(10_000)
        let parts = DatasetSplitter.split(all, fractions: fractions)
        #expect(parts.map(\.name) == ["train", "validation", "test"])
        #expect(parts.map(\.examples.count).reduce(0, +) == 10_000)
        #expect(abs(parts[0].examples.count - 8000) < 200)
        #expect(abs(parts[1].examples.count - 1000) < 100)
        for part in parts {
            let indices = part.examples.map { Int($0.id.dropFirst(3))! }
            #expect(indices == indices.sorted())
        }
        // Adding examples or reordering the source moves no existing example to another split.
        let grown = DatasetSplitter.split(examples(2_000, from: 10_000) + all.reversed(), fractions: fractions)
        for (before, after) in zip(parts, grown) {
            #expect(Set(before.examples.map(\.id)).isSubset(of: Set(after.examples.map(\.id))))
        }
    }

    @Test func sampleIsDeterministicInInputOrderAndSpreadOverSplits() throws {
        let all = examples(5_000)
        let sample = DatasetSplitter.sample(all, count: 1_000)
        #expect(sample.count == 1_000)
        #expect(sample == DatasetSplitter.sample(all, count: 1_000))
        #expect(sample.map { Int($0.id.dropFirst(3))! } == sample.map { Int($0.id.dropFirst(3))! }.sorted())
        #expect(DatasetSplitter.sample(all, count: 6_000) == all)
        let parts = DatasetSplitter.split(sample, fractions: try SplitFractions(parsing: "train=0.5,test=0.5"))
        #expect(parts.allSatisfy { abs($0.examples.count - 500) < 80 })
    }
}
