import Foundation
import Testing
@testable import CTKDMetrics

@Suite struct StemmerTests {
    /// stemmer.tsv: nltk 3.10.4's PorterStemmer() on SQuAD words sampled by suffix, synthetic
    /// words for every rule, the irregular forms, y-runs, digits and non-ASCII words.
    @Test func matchesNLTKOnTheFixtureWords() throws {
        let text = try String(contentsOfFile: MetricsFixtures.path("stemmer.tsv"), encoding: .utf8)
        var checked = 0
        var mismatches = [String]()
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            let stem = PorterStemmer.stem(String(fields[0]))
            if stem != fields[1] { mismatches.append("\(fields[0]): \(stem), nltk \(fields[1])") }
            checked += 1
        }
        #expect(checked > 6000)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(30).joined(separator: "\n"))")
    }

    @Test func documentedExamples() {
        let cases = ["running": "run", "dies": "die", "flies": "fli", "was": "wa", "has": "ha",
                     "caresses": "caress", "ponies": "poni", "agreed": "agre", "hopping": "hop",
                     "relational": "relat", "generalizations": "gener", "skies": "sky", "dying": "die",
                     "happy": "happi", "enjoy": "enjoy", "spied": "spi", "died": "die"]
        for (word, stem) in cases { #expect(PorterStemmer.stem(word) == stem, "\(word)") }
    }
}
