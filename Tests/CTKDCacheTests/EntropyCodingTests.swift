import Foundation
import Testing
import CTKDCore
@testable import CTKDCache

@Suite struct EntropyCodingTests {
    /// Random symbols from skewed tables, raw bits and integers up to 2^32 − 1 decode to what was
    /// coded, the state ends where it began, and the size is within 1% + 8 bytes of the
    /// information content under the tables (−Σ log2 p + raw bits).
    @Test func ransRoundTripsAtTheEntropy() throws {
        var random = SeededRandom(seed: 11)
        let tables = (0..<3).map { table in
            RANSTable(counts: (0..<(20 + 20 * table)).map { exp(-Double($0) / Double(2 + table)) * 1000 })
        }
        var ops = [(kind: Int, table: Int, value: Int)]()
        var information = 0.0
        for _ in 0..<20_000 {
            switch random.nextInt(below: 3) {
            case 0:
                let table = random.nextInt(below: 3)
                // Draw by the table's own frequencies.
                var target = random.nextInt(below: RANS.precision), symbol = 0
                while target >= Int(tables[table].frequencies[symbol]) { target -= Int(tables[table].frequencies[symbol]); symbol += 1 }
                ops.append((0, table, symbol))
                information -= log2(Double(tables[table].frequencies[symbol]) / Double(RANS.precision))
            case 1:
                let count = 1 + random.nextInt(below: 30)
                ops.append((1, count, random.nextInt(below: 1 << count)))
                information += Double(count)
            default:
                let bits = random.nextInt(below: 33)
                ops.append((2, 0, bits == 0 ? 0 : random.nextInt(below: 1 << bits)))
            }
        }
        let integerTable = RANSTable(counts: [Double](repeating: 1, count: 72))
        var encoder = RANSEncoder()
        for op in ops {
            switch op.kind {
            case 0: encoder.put(op.value, table: tables[op.table])
            case 1: encoder.putBits(UInt64(op.value), count: op.table)
            default: encoder.putInteger(op.value, table: integerTable)
            }
        }
        let bytes = encoder.finish()
        var integerBits = 0.0
        for op in ops where op.kind == 2 {
            integerBits += log2(72) + Double(op.value < 16 ? 0 : (Int.bitWidth - op.value.leadingZeroBitCount) - 2)
        }
        #expect(Double(bytes.count) <= (information + integerBits) / 8 * 1.01 + 8, "\(bytes.count) bytes for \((information + integerBits) / 8)")
        let forms = (tables + [integerTable]).map { $0.decoderForm() }
        try bytes.withUnsafeBytes { raw in
            var decoder = try RANSDecoder(raw)
            for op in ops {
                func symbolTable<T>(_ index: Int, _ body: (RANSSymbolTable) -> T) -> T {
                    forms[index].cumulative.withUnsafeBufferPointer { cumulative in
                        forms[index].buckets.withUnsafeBufferPointer { buckets in
                            body(RANSSymbolTable(cumulative: cumulative.baseAddress!, buckets: buckets.baseAddress!))
                        }
                    }
                }
                switch op.kind {
                case 0: #expect(symbolTable(op.table) { decoder.get($0) } == op.value)
                case 1: #expect(decoder.getBits(count: op.table) == UInt64(op.value))
                default: #expect(symbolTable(3) { decoder.getInteger($0) } == op.value)
                }
            }
            try decoder.finish("test")
        }
    }

    @Test func tablesKeepEverySymbolCodable() {
        let table = RANSTable(counts: [1e9, 0, 0, 3])
        #expect(table.frequencies.reduce(0, +) == UInt32(RANS.precision))
        #expect(table.frequencies.allSatisfy { $0 >= 1 })
        #expect(table.frequencies[0] > 4000)
    }

    @Test func integersUseTheDocumentedSymbols() {
        // 0…15 themselves; 16 = 0b10000 (b = 5, second bit 0): symbol 16 + 3 raw bits;
        // 24 = 0b11000: symbol 17; 2^32 − 1 (b = 32, second bit 1): symbol 71.
        for (value, symbol, raw) in [(15, 15, 0), (16, 16, 3), (24, 17, 3), (31, 17, 3), (32, 18, 4), ((1 << 32) - 1, 71, 30)] {
            var encoder = RANSEncoder()
            let table = RANSTable(counts: [Double](repeating: 1, count: 72))
            encoder.putInteger(value, table: table)
            #expect(encoder.pending.count == 1 && encoder.bitBytes.count * 8 + encoder.bitCount == raw, "\(value)")
            #expect(encoder.pending[0].start == table.starts[symbol], "\(value)")
        }
    }

    @Test func quantiserCodesAreMonotoneAndRepresentativesLieInTheirIntervals() {
        let quantizer = LogProbQuantizer()
        #expect(quantizer.finiteCodes == 58)
        #expect(quantizer.code(distance: 2.5) == 33)
        var previous = 0
        for step in 0...4000 {
            let distance = Double(step) * 0.005
            let code = quantizer.code(distance: distance)
            #expect(code >= previous && code < quantizer.finiteCodes)
            previous = code
        }
        #expect(quantizer.code(distance: 0) == 0)
        #expect(quantizer.code(distance: 100) == quantizer.finiteCodes - 1)
        #expect(quantizer.code(distance: .infinity) == quantizer.zeroCode)
        for code in 1..<(quantizer.finiteCodes - 1) {
            let distance = quantizer.distance(code: code)
            #expect(quantizer.code(distance: distance) == code, "code \(code): representative \(distance)")
        }
        #expect(quantizer.distance(code: quantizer.zeroCode) == .infinity)
        // Steps grow: about 1/20 nat at the top, wider lower down.
        #expect(quantizer.distance(code: 2) - quantizer.distance(code: 1) < 0.06)
        #expect(quantizer.distance(code: 50) - quantizer.distance(code: 49) > 0.3)
    }

    @Test func tokenOrderIsABijection() throws {
        let order = TokenOrder(counts: [7: 10, 3: 10, 9: 1])
        #expect(order.seen == [3, 7, 9])
        #expect(order.rank(of: 7) == 1)
        #expect(order.rank(of: 0) == 3)
        #expect(order.id(ofRank: 4) == 1)
        for id in Int32(0)..<200 { #expect(order.id(ofRank: order.rank(of: id)) == id) }
        #expect(Set((0..<200).map { order.rank(of: Int32($0)) }) == Set(0..<200))
        // Beyond the dense limit ranks equal ids, on both sides of a round trip through bytes.
        let copy = try order.serialized.withUnsafeBytes { try TokenOrder.deserialize($0, vocabularySize: 50) }
        for id in [Int32(0), 8, 9, 10, 49, 50, 1 << 30] {
            #expect(copy.rank(of: id) == order.rank(of: id))
            #expect(copy.id(ofRank: copy.rank(of: id)) == id)
        }
    }
}
