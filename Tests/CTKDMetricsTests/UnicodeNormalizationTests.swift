import Foundation
import Testing
@testable import CTKDMetrics

/// Python's str.lower(), SQuAD's normalize_answer and rouge-score's tokenizer on Unicode edge
/// cases (unicode.jsonl, written by Python).
@Suite struct UnicodeNormalizationTests {
    @Test func lowerNormalizeAndTokenizeMatchPython() throws {
        let rows = try MetricsFixtures.jsonLines("unicode.jsonl")
        #expect(rows.count > 300)
        let plain = RougeScorer(useStemmer: false)
        let stemmed = RougeScorer(useStemmer: true)
        for row in rows {
            let text = row["text"] as! String
            let lower = PythonUnicode.lowercase(text.unicodeScalars.map(\.value))
            #expect(lower == (row["lower"] as! String).unicodeScalars.map(\.value), "lower of \(text.debugDescription)")
            // Split on U+0020 by code point: a Character split would glue " " to a following ZWJ.
            let squad = SQuADMetrics.normalize(text).unicodeScalars.split(separator: " ").map { String(String.UnicodeScalarView($0)) }
            #expect(squad == (row["squad"] as! [Any]).map { $0 as! String },
                    "SQuAD tokens of \(text.debugDescription)")
            #expect(plain.tokenize(text) == (row["rouge"] as! [Any]).map { $0 as! String }, "rouge tokens of \(text.debugDescription)")
            #expect(stemmed.tokenize(text) == (row["rouge_stem"] as! [Any]).map { $0 as! String }, "stemmed tokens of \(text.debugDescription)")
        }
    }

    @Test func workedExamplesFromTheRules() {
        #expect(SQuADMetrics.normalize("Denver-Broncos") == "denverbroncos")
        #expect(SQuADMetrics.normalize("don't") == "dont")
        #expect(SQuADMetrics.normalize("the.") == "")
        #expect(SQuADMetrics.normalize("the-end") == "theend")
        #expect(SQuADMetrics.normalize("thé") == "thé")
        #expect(SQuADMetrics.normalize("x’the’y") == "x’ ’y")
        #expect(SQuADMetrics.normalize("a\u{00A0}b\u{200B}c\u{3000}the\u{2028}d") == "b\u{200B}c d")
        #expect(SQuADMetrics.normalize("ΟΔΥΣΣΕΥΣ") == "οδυσσευς")
        #expect(SQuADMetrics.normalize("İ") == "i\u{0307}")
        let rouge = RougeScorer()
        #expect(rouge.tokenize("café") == ["caf"])
        #expect(rouge.tokenize("Röntgen") == ["r", "ntgen"])
        #expect(rouge.tokenize("Straße") == ["stra", "e"])
        #expect(rouge.tokenize("İstanbul") == ["i", "stanbul"])
        #expect(rouge.tokenize("\u{212A}elvin") == ["kelvin"])
        #expect(rouge.tokenize("#Person1#: U.S.A. 3.14") == ["person1", "u", "s", "a", "3", "14"])
    }

    @Test func whitespaceFunctionMatchesTheGeneratedTable() {
        for scalar in UInt32(0)..<0x3100 {
            #expect(PythonUnicode.isWhitespace(scalar) == PythonUnicodeTables.whitespace.contains(scalar))
        }
    }
}
