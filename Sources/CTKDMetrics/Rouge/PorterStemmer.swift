/// The Porter stemmer exactly as nltk 3.10.4 implements it in its default NLTK_EXTENSIONS mode
/// (`nltk/stem/porter.py`), which is what rouge-score's `use_stemmer=True` calls.
///
///     PorterStemmer.stem("running")      // "run"
///     PorterStemmer.stem("dies")         // "die"   (NLTK rule: 4-letter -ies)
///     PorterStemmer.stem("flies")        // "fli"
///     PorterStemmer.stem("generously")   // "gener"
///
/// NLTK's departures from the 1980 paper are all here: the irregular-forms pool (`skies` → `sky`,
/// `dying` → `die`, `innings` → `inning`, …), words of one or two characters returned unchanged,
/// `-ies`/`-ied` on four-letter words → `-ie`, `-ied` → `-i`, Step 1c's `y` → `i` only after a
/// consonant that is not the first letter, Step 2's `alli` → `al` tried first and then Step 2 again,
/// `bli` → `ble` (Martin's) instead of `abli` → `able`, `fulli` → `ful`, `logi` → `log` with the `l`
/// counted in the measure, and `*o` also true for a two-letter vowel–consonant stem. As in
/// `_apply_rule_list`, the first rule whose suffix matches decides: if its condition fails, no
/// later rule of that step is tried.
///
/// Words are sequences of code points; only `a e i o u` are vowels (`y` by position), so any other
/// character, digits included, counts as a consonant, as in NLTK.
public enum PorterStemmer {
    /// `PorterStemmer().stem(word)`: Python-lowercases `word`, then stems it.
    public static func stem(_ word: String) -> String {
        let scalars = word.unicodeScalars.map(\.value)
        var output = String.UnicodeScalarView()
        for scalar in stem(scalars: scalars) { output.append(Unicode.Scalar(scalar)!) }
        return String(output)
    }

    /// The stem of a word given as code points.
    static func stem(scalars word: [UInt32]) -> [UInt32] {
        let lowered = word.allSatisfy({ $0 < 0x80 }) ? word.map(PythonUnicode.lowercase) : PythonUnicode.lowercase(word)
        if let irregular = irregularForms[lowered] { return irregular }
        // Words of one or two characters (counted before lowercasing) are not stemmed.
        if word.count <= 2 { return lowered }
        var stem = step1a(lowered)
        stem = step1b(stem)
        stem = step1c(stem)
        stem = step2(stem)
        stem = step3(stem)
        stem = step4(stem)
        stem = step5a(stem)
        stem = step5b(stem)
        return stem
    }

    /// The stem of an ASCII word (rouge-score's tokens are `[a-z0-9]+`).
    static func stem(ascii word: some Collection<UInt8>) -> [UInt8] {
        stem(scalars: word.map { UInt32($0) }).map { UInt8(truncatingIfNeeded: $0) }
    }

    // MARK: - Irregular forms

    /// NLTK's table of irregular forms: form → stem, consulted before any rule.
    static let irregularForms: [[UInt32]: [UInt32]] = {
        let table: [(String, [String])] = [
            ("sky", ["sky", "skies"]), ("die", ["dying"]), ("lie", ["lying"]), ("tie", ["tying"]),
            ("news", ["news"]), ("inning", ["innings", "inning"]), ("outing", ["outings", "outing"]),
            ("canning", ["cannings", "canning"]), ("howe", ["howe"]), ("proceed", ["proceed"]),
            ("exceed", ["exceed"]), ("succeed", ["succeed"]),
        ]
        var pool = [[UInt32]: [UInt32]]()
        for (stem, forms) in table {
            for form in forms { pool[codePoints(form)] = codePoints(stem) }
        }
        return pool
    }()

    // MARK: - Letters and measure

    private static func isVowelLetter(_ scalar: UInt32) -> Bool {
        scalar == 0x61 || scalar == 0x65 || scalar == 0x69 || scalar == 0x6F || scalar == 0x75
    }

    private static let letterY: UInt32 = 0x79

    /// `_is_consonant`: not a vowel letter, and a `y` is a consonant unless it follows a
    /// consonant (resolved over a run of `y`s by alternation, as NLTK does).
    static func isConsonant(_ word: [UInt32], _ index: Int) -> Bool {
        var index = index
        if isVowelLetter(word[index]) { return false }
        if word[index] == letterY {
            var negate = false
            while index > 0 && word[index] == letterY {
                negate.toggle()
                index -= 1
            }
            return !isVowelLetter(word[index]) != negate
        }
        return true
    }

    /// `_consonant_flags`: `isConsonant` for every position in one pass.
    private static func consonantFlags(_ word: [UInt32]) -> [Bool] {
        var flags = [Bool]()
        flags.reserveCapacity(word.count)
        for (index, scalar) in word.enumerated() {
            if isVowelLetter(scalar) {
                flags.append(false)
            } else if scalar == letterY {
                flags.append(index == 0 ? true : !flags[index - 1])
            } else {
                flags.append(true)
            }
        }
        return flags
    }

    /// `m` in `[C](VC){m}[V]`: the number of vowel→consonant transitions.
    static func measure(_ stem: [UInt32]) -> Int {
        let flags = consonantFlags(stem)
        var count = 0
        for index in flags.indices.dropLast() where !flags[index] && flags[index + 1] { count += 1 }
        return count
    }

    private static func hasPositiveMeasure(_ stem: [UInt32]) -> Bool { measure(stem) > 0 }

    private static func containsVowel(_ stem: [UInt32]) -> Bool { consonantFlags(stem).contains(false) }

    /// `*d`: ends with a double consonant.
    private static func endsDoubleConsonant(_ word: [UInt32]) -> Bool {
        word.count >= 2 && word[word.count - 1] == word[word.count - 2] && isConsonant(word, word.count - 1)
    }

    /// `*o`: ends consonant–vowel–consonant with the last not `w`, `x` or `y`; NLTK also accepts a
    /// two-letter word vowel–consonant.
    static func endsCVC(_ word: [UInt32]) -> Bool {
        let n = word.count
        if n >= 3 && isConsonant(word, n - 3) && !isConsonant(word, n - 2) && isConsonant(word, n - 1)
            && word[n - 1] != 0x77 && word[n - 1] != 0x78 && word[n - 1] != letterY {
            return true
        }
        return n == 2 && !isConsonant(word, 0) && isConsonant(word, 1)
    }

    // MARK: - Rules

    struct Rule {
        var suffix: [UInt32]
        var replacement: [UInt32]
        var condition: (([UInt32]) -> Bool)?
        /// NLTK's `"*d"` pseudo-suffix: the rule applies to a word ending in a double consonant.
        var isDoubleConsonant = false

        init(_ suffix: String, _ replacement: String, _ condition: (([UInt32]) -> Bool)? = nil) {
            self.suffix = codePoints(suffix)
            self.replacement = codePoints(replacement)
            self.condition = condition
        }
    }

    /// `_apply_rule_list`: the first rule whose suffix matches is applied if its condition holds;
    /// either way no later rule is tried.
    static func applyFirstMatching(_ word: [UInt32], _ rules: [Rule]) -> [UInt32] {
        for rule in rules {
            if rule.isDoubleConsonant && endsDoubleConsonant(word) {
                let stem = Array(word.dropLast(2))
                return rule.condition?(stem) ?? true ? stem + rule.replacement : word
            }
            // NLTK also compares the literal "*d" as a suffix; no rouge token contains "*".
            if word.ends(with: rule.suffix) {
                let stem = Array(word.dropLast(rule.suffix.count))
                return rule.condition?(stem) ?? true ? stem + rule.replacement : word
            }
        }
        return word
    }

    static func step1a(_ word: [UInt32]) -> [UInt32] {
        if word.count == 4 && word.ends(with: suffixIES) { return Array(word.dropLast(3)) + codePoints("ie") }
        return applyFirstMatching(word, [Rule("sses", "ss"), Rule("ies", "i"), Rule("ss", "ss"), Rule("s", "")])
    }

    static func step1b(_ word: [UInt32]) -> [UInt32] {
        if word.ends(with: suffixIED) {
            return Array(word.dropLast(3)) + codePoints(word.count == 4 ? "ie" : "i")
        }
        if word.ends(with: suffixEED) {
            let stem = Array(word.dropLast(3))
            return measure(stem) > 0 ? stem + codePoints("ee") : word
        }
        var intermediate: [UInt32]?
        for suffix in [suffixED, suffixING] where word.ends(with: suffix) {
            let stem = Array(word.dropLast(suffix.count))
            if containsVowel(stem) {
                intermediate = stem
                break
            }
        }
        guard let stem = intermediate else { return word }
        let last = stem[stem.count - 1]
        var singleLetter = Rule("*d", "") { _ in last != 0x6C && last != 0x73 && last != 0x7A }  // not l, s, z
        singleLetter.replacement = [last]
        singleLetter.isDoubleConsonant = true
        return applyFirstMatching(stem, [
            Rule("at", "ate"), Rule("bl", "ble"), Rule("iz", "ize"),
            singleLetter,
            Rule("", "e") { measure($0) == 1 && endsCVC($0) },
        ])
    }

    static func step1c(_ word: [UInt32]) -> [UInt32] {
        applyFirstMatching(word, [Rule("y", "i") { $0.count > 1 && isConsonant($0, $0.count - 1) }])
    }

    static func step2(_ word: [UInt32]) -> [UInt32] {
        if word.ends(with: suffixALLI) && hasPositiveMeasure(Array(word.dropLast(4))) {
            return step2(Array(word.dropLast(4)) + codePoints("al"))
        }
        let positive = hasPositiveMeasure
        return applyFirstMatching(word, [
            Rule("ational", "ate", positive), Rule("tional", "tion", positive),
            Rule("enci", "ence", positive), Rule("anci", "ance", positive),
            Rule("izer", "ize", positive), Rule("bli", "ble", positive),
            Rule("alli", "al", positive), Rule("entli", "ent", positive),
            Rule("eli", "e", positive), Rule("ousli", "ous", positive),
            Rule("ization", "ize", positive), Rule("ation", "ate", positive),
            Rule("ator", "ate", positive), Rule("alism", "al", positive),
            Rule("iveness", "ive", positive), Rule("fulness", "ful", positive),
            Rule("ousness", "ous", positive), Rule("aliti", "al", positive),
            Rule("iviti", "ive", positive), Rule("biliti", "ble", positive),
            Rule("fulli", "ful", positive),
            // The `l` of `logi` stays with the stem for the measure (`geo`, `theo` …).
            Rule("logi", "log") { _ in hasPositiveMeasure(Array(word.dropLast(3))) },
        ])
    }

    static func step3(_ word: [UInt32]) -> [UInt32] {
        let positive = hasPositiveMeasure
        return applyFirstMatching(word, [
            Rule("icate", "ic", positive), Rule("ative", "", positive), Rule("alize", "al", positive),
            Rule("iciti", "ic", positive), Rule("ical", "ic", positive), Rule("ful", "", positive),
            Rule("ness", "", positive),
        ])
    }

    static func step4(_ word: [UInt32]) -> [UInt32] {
        let above1: ([UInt32]) -> Bool = { measure($0) > 1 }
        return applyFirstMatching(word, [
            Rule("al", "", above1), Rule("ance", "", above1), Rule("ence", "", above1),
            Rule("er", "", above1), Rule("ic", "", above1), Rule("able", "", above1),
            Rule("ible", "", above1), Rule("ant", "", above1), Rule("ement", "", above1),
            Rule("ment", "", above1), Rule("ent", "", above1),
            Rule("ion", "") { measure($0) > 1 && ($0.last == 0x73 || $0.last == 0x74) },   // *S or *T
            Rule("ou", "", above1), Rule("ism", "", above1), Rule("ate", "", above1),
            Rule("iti", "", above1), Rule("ous", "", above1), Rule("ive", "", above1),
            Rule("ize", "", above1),
        ])
    }

    /// Both `(m>1) E →` and `(m=1 and not *o) E →` are tried (not first-match).
    static func step5a(_ word: [UInt32]) -> [UInt32] {
        guard word.last == 0x65 else { return word }
        let stem = Array(word.dropLast())
        let m = measure(stem)
        if m > 1 || (m == 1 && !endsCVC(stem)) { return stem }
        return word
    }

    static func step5b(_ word: [UInt32]) -> [UInt32] {
        applyFirstMatching(word, [Rule("ll", "l") { _ in measure(Array(word.dropLast())) > 1 }])
    }

    private static let suffixIES = codePoints("ies")
    private static let suffixIED = codePoints("ied")
    private static let suffixEED = codePoints("eed")
    private static let suffixED = codePoints("ed")
    private static let suffixING = codePoints("ing")
    private static let suffixALLI = codePoints("alli")

    private static func codePoints(_ text: String) -> [UInt32] { text.unicodeScalars.map(\.value) }
}

extension Array where Element == UInt32 {
    func ends(with suffix: [UInt32]) -> Bool {
        count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}
