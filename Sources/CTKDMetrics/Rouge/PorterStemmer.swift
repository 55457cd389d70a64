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
        var output = String.UnicodeScalarView()
        for scalar in stem(scalars: word.unicodeScalars.map(\.value)) { output.append(Unicode.Scalar(scalar)!) }
        return String(output)
    }

    /// The stem of an ASCII word (rouge-score's tokens are `[a-z0-9]+`).
    static func stem(ascii word: some Collection<UInt8>) -> [UInt8] {
        stem(scalars: word.map { UInt32($0) }).map { UInt8(truncatingIfNeeded: $0) }
    }

    /// The stem of a word given as code points.
    static func stem(scalars word: [UInt32]) -> [UInt32] {
        var stem = word.allSatisfy({ $0 < 0x80 }) ? word.map(PythonUnicode.lowercase) : PythonUnicode.lowercase(word)
        if let irregular = irregularForms[stem] { return irregular }
        // Words of one or two characters (counted before lowercasing) are not stemmed.
        if word.count <= 2 { return stem }
        step1a(&stem)
        step1b(&stem)
        step1c(&stem)
        step2(&stem)
        step3(&stem)
        step4(&stem)
        step5a(&stem)
        step5b(&stem)
        return stem
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
    //
    // Conditions look at a prefix `word[0..<length]` (the stem left after removing a suffix).
    // Whether a letter is a consonant depends only on the letters before it, so the prefix needs
    // no copy.

    @inline(__always)
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

    /// `m` in `[C](VC){m}[V]` of `word[0..<length]`: the number of vowel→consonant transitions
    /// (`_consonant_flags` computed on the way, as NLTK's single pass does).
    static func measure(_ word: [UInt32], _ length: Int) -> Int {
        var count = 0
        var previousIsConsonant = true
        for index in 0..<length {
            let scalar = word[index]
            let isConsonant = isVowelLetter(scalar) ? false : scalar == letterY ? (index == 0 || !previousIsConsonant) : true
            if index > 0 && !previousIsConsonant && isConsonant { count += 1 }
            previousIsConsonant = isConsonant
        }
        return count
    }

    private static func containsVowel(_ word: [UInt32], _ length: Int) -> Bool {
        var previousIsConsonant = true
        for index in 0..<length {
            let scalar = word[index]
            let isConsonant = isVowelLetter(scalar) ? false : scalar == letterY ? (index == 0 || !previousIsConsonant) : true
            if !isConsonant { return true }
            previousIsConsonant = isConsonant
        }
        return false
    }

    /// `*d`: `word[0..<length]` ends with a double consonant.
    private static func endsDoubleConsonant(_ word: [UInt32], _ length: Int) -> Bool {
        length >= 2 && word[length - 1] == word[length - 2] && isConsonant(word, length - 1)
    }

    /// `*o`: ends consonant–vowel–consonant with the last not `w`, `x` or `y`; NLTK also accepts a
    /// two-letter word vowel–consonant.
    static func endsCVC(_ word: [UInt32], _ length: Int) -> Bool {
        let n = length
        if n >= 3 && isConsonant(word, n - 3) && !isConsonant(word, n - 2) && isConsonant(word, n - 1)
            && word[n - 1] != 0x77 && word[n - 1] != 0x78 && word[n - 1] != letterY {
            return true
        }
        return n == 2 && !isConsonant(word, 0) && isConsonant(word, 1)
    }

    private static func hasSuffix(_ word: [UInt32], _ suffix: [UInt32]) -> Bool {
        guard word.count >= suffix.count else { return false }
        let offset = word.count - suffix.count
        for index in suffix.indices where word[offset + index] != suffix[index] { return false }
        return true
    }

    private static func replaceSuffix(_ word: inout [UInt32], count: Int, with replacement: [UInt32]) {
        word.removeLast(count)
        word.append(contentsOf: replacement)
    }

    // MARK: - Rules

    /// When a rule may fire, given the word and the length of the stem before its suffix.
    enum Condition {
        case always
        /// `m > 0`
        case positiveMeasure
        /// `m > 1`
        case measureAbove1
        /// `m > 1` and the stem ends in `s` or `t` (Step 4's `ion`).
        case measureAbove1EndingSOrT
        /// `m = 1` and `*o` (Step 1b's final `e`).
        case measure1AndCVC
        /// The stem is longer than one letter and ends in a consonant (NLTK's Step 1c).
        case consonantBeforeY
        /// The word's last letter is not `l`, `s` or `z` (Step 1b's double consonant).
        case lastLetterNotLSZ
        /// `m > 0` of the word without its last 3 letters (`logi`: the `l` stays with the stem).
        case positiveMeasureKeepingL
        /// `m > 1` of the word without its last letter (Step 5b).
        case measureAbove1WithoutLastLetter

        func holds(_ word: [UInt32], stemLength: Int) -> Bool {
            switch self {
            case .always: return true
            case .positiveMeasure: return measure(word, stemLength) > 0
            case .measureAbove1: return measure(word, stemLength) > 1
            case .measureAbove1EndingSOrT:
                return measure(word, stemLength) > 1 && (word[stemLength - 1] == 0x73 || word[stemLength - 1] == 0x74)
            case .measure1AndCVC: return measure(word, stemLength) == 1 && endsCVC(word, stemLength)
            case .consonantBeforeY: return stemLength > 1 && isConsonant(word, stemLength - 1)
            case .lastLetterNotLSZ:
                let last = word[word.count - 1]
                return last != 0x6C && last != 0x73 && last != 0x7A
            case .positiveMeasureKeepingL: return measure(word, word.count - 3) > 0
            case .measureAbove1WithoutLastLetter: return measure(word, word.count - 1) > 1
            }
        }
    }

    struct Rule {
        var suffix: [UInt32]
        /// nil: the word's own last letter (Step 1b's double consonant → single letter).
        var replacement: [UInt32]?
        var condition: Condition
        /// NLTK's `"*d"` pseudo-suffix: the rule applies to a word ending in a double consonant.
        var isDoubleConsonant = false

        init(_ suffix: String, _ replacement: String?, _ condition: Condition = .always, isDoubleConsonant: Bool = false) {
            self.suffix = codePoints(suffix)
            self.replacement = replacement.map(codePoints)
            self.condition = condition
            self.isDoubleConsonant = isDoubleConsonant
        }
    }

    /// `_apply_rule_list`: the first rule whose suffix matches is applied if its condition holds;
    /// either way no later rule is tried.
    static func applyFirstMatching(_ word: inout [UInt32], _ rules: [Rule]) {
        for rule in rules {
            let replacement = rule.replacement ?? [word[word.count - 1]]
            if rule.isDoubleConsonant && endsDoubleConsonant(word, word.count) {
                if rule.condition.holds(word, stemLength: word.count - 2) { replaceSuffix(&word, count: 2, with: replacement) }
                return
            }
            // For "*d" NLTK also compares the literal suffix "*d" (which no rouge token has).
            if hasSuffix(word, rule.suffix) {
                if rule.condition.holds(word, stemLength: word.count - rule.suffix.count) {
                    replaceSuffix(&word, count: rule.suffix.count, with: replacement)
                }
                return
            }
        }
    }

    static func step1a(_ word: inout [UInt32]) {
        if word.count == 4 && hasSuffix(word, suffixIES) { return replaceSuffix(&word, count: 3, with: codePoints("ie")) }
        applyFirstMatching(&word, step1aRules)
    }

    static func step1b(_ word: inout [UInt32]) {
        if hasSuffix(word, suffixIED) {
            return replaceSuffix(&word, count: 3, with: codePoints(word.count == 4 ? "ie" : "i"))
        }
        if hasSuffix(word, suffixEED) {
            if measure(word, word.count - 3) > 0 { replaceSuffix(&word, count: 3, with: codePoints("ee")) }
            return
        }
        guard let suffix = [suffixED, suffixING].first(where: {
            hasSuffix(word, $0) && containsVowel(word, word.count - $0.count)
        }) else { return }
        word.removeLast(suffix.count)
        applyFirstMatching(&word, step1bRules)
    }

    static func step1c(_ word: inout [UInt32]) { applyFirstMatching(&word, step1cRules) }

    static func step2(_ word: inout [UInt32]) {
        // NLTK tries `alli` → `al` first and, if it fires, runs Step 2 again.
        if hasSuffix(word, suffixALLI) && measure(word, word.count - 4) > 0 {
            replaceSuffix(&word, count: 4, with: codePoints("al"))
            return step2(&word)
        }
        applyFirstMatching(&word, step2Rules)
    }

    static func step3(_ word: inout [UInt32]) { applyFirstMatching(&word, step3Rules) }

    static func step4(_ word: inout [UInt32]) { applyFirstMatching(&word, step4Rules) }

    /// Both `(m>1) E →` and `(m=1 and not *o) E →` are tried (not first-match).
    static func step5a(_ word: inout [UInt32]) {
        guard word.last == 0x65 else { return }
        let m = measure(word, word.count - 1)
        if m > 1 || (m == 1 && !endsCVC(word, word.count - 1)) { word.removeLast() }
    }

    static func step5b(_ word: inout [UInt32]) { applyFirstMatching(&word, step5bRules) }

    private static let step1aRules = [Rule("sses", "ss"), Rule("ies", "i"), Rule("ss", "ss"), Rule("s", "")]

    private static let step1bRules = [
        Rule("at", "ate"), Rule("bl", "ble"), Rule("iz", "ize"),
        Rule("*d", nil, .lastLetterNotLSZ, isDoubleConsonant: true),
        Rule("", "e", .measure1AndCVC),
    ]

    private static let step1cRules = [Rule("y", "i", .consonantBeforeY)]

    private static let step2Rules = [
        Rule("ational", "ate", .positiveMeasure), Rule("tional", "tion", .positiveMeasure),
        Rule("enci", "ence", .positiveMeasure), Rule("anci", "ance", .positiveMeasure),
        Rule("izer", "ize", .positiveMeasure), Rule("bli", "ble", .positiveMeasure),
        Rule("alli", "al", .positiveMeasure), Rule("entli", "ent", .positiveMeasure),
        Rule("eli", "e", .positiveMeasure), Rule("ousli", "ous", .positiveMeasure),
        Rule("ization", "ize", .positiveMeasure), Rule("ation", "ate", .positiveMeasure),
        Rule("ator", "ate", .positiveMeasure), Rule("alism", "al", .positiveMeasure),
        Rule("iveness", "ive", .positiveMeasure), Rule("fulness", "ful", .positiveMeasure),
        Rule("ousness", "ous", .positiveMeasure), Rule("aliti", "al", .positiveMeasure),
        Rule("iviti", "ive", .positiveMeasure), Rule("biliti", "ble", .positiveMeasure),
        Rule("fulli", "ful", .positiveMeasure),
        Rule("logi", "log", .positiveMeasureKeepingL),
    ]

    private static let step3Rules = [
        Rule("icate", "ic", .positiveMeasure), Rule("ative", "", .positiveMeasure), Rule("alize", "al", .positiveMeasure),
        Rule("iciti", "ic", .positiveMeasure), Rule("ical", "ic", .positiveMeasure), Rule("ful", "", .positiveMeasure),
        Rule("ness", "", .positiveMeasure),
    ]

    private static let step4Rules = [
        Rule("al", "", .measureAbove1), Rule("ance", "", .measureAbove1), Rule("ence", "", .measureAbove1),
        Rule("er", "", .measureAbove1), Rule("ic", "", .measureAbove1), Rule("able", "", .measureAbove1),
        Rule("ible", "", .measureAbove1), Rule("ant", "", .measureAbove1), Rule("ement", "", .measureAbove1),
        Rule("ment", "", .measureAbove1), Rule("ent", "", .measureAbove1),
        Rule("ion", "", .measureAbove1EndingSOrT),
        Rule("ou", "", .measureAbove1), Rule("ism", "", .measureAbove1), Rule("ate", "", .measureAbove1),
        Rule("iti", "", .measureAbove1), Rule("ous", "", .measureAbove1), Rule("ive", "", .measureAbove1),
        Rule("ize", "", .measureAbove1),
    ]

    private static let step5bRules = [Rule("ll", "l", .measureAbove1WithoutLastLetter)]

    private static let suffixIES = codePoints("ies")
    private static let suffixIED = codePoints("ied")
    private static let suffixEED = codePoints("eed")
    private static let suffixED = codePoints("ed")
    private static let suffixING = codePoints("ing")
    private static let suffixALLI = codePoints("alli")

    private static func codePoints(_ text: String) -> [UInt32] { text.unicodeScalars.map(\.value) }
}
