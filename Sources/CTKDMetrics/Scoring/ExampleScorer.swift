/// Scores one example at a time into a row of `MetricSet.keys` values, reusing its memory.
///
/// Texts become integer token ids through one `TokenInterner` that lives as long as the scorer,
/// so a word's Porter stem is computed once per scorer, and counting, n-gram matching and LCS run
/// on integers. One scorer per thread (`CorpusScorer` makes one per chunk of examples).
struct ExampleScorer {
    let metrics: MetricSet
    private var interner = TokenInterner()
    private var squadTokenizer = SQuADTokenizer()
    private var rougeTokenizer = RougeTokenizer()
    private var rouge = RougeComputation()
    /// Per unstemmed token id: the stemmed id, -1 if the stem is not a valid token, -2 if not yet known.
    private var stemOf: [Int32] = []
    /// SQuAD tokens of the prediction, then of each reference; `squadEnds[k]` ends text k.
    private var squadTokens: [Int32] = []
    private var squadEnds: [Int] = []
    private var squadCounts: [Int32] = []
    /// Text 0 is the prediction, texts 1… the references.
    private var rougeTexts = TokenizedTexts()
    private var stemmedTexts = TokenizedTexts()

    init(metrics: MetricSet) { self.metrics = metrics }

    /// The row of example `index`.
    mutating func scoreRow(_ examples: ScoringExamples, _ index: Int) -> [Double] {
        var row = [Double](repeating: 0, count: metrics.keys.count)
        row.withUnsafeMutableBufferPointer { score(examples, index, into: $0) }
        return row
    }

    /// Writes example `index`'s values into `row` (`metrics.keys.count` values).
    mutating func score(_ examples: ScoringExamples, _ index: Int, into row: UnsafeMutableBufferPointer<Double>) {
        examples.text.withUnsafeBufferPointer { text in
            let references = examples.referenceRange(index).map {
                UnsafeBufferPointer(rebasing: text[examples.referenceSpans[$0]])
            }
            score(prediction: UnsafeBufferPointer(rebasing: text[examples.predictionSpans[index]]),
                  references: references, into: row)
        }
    }

    mutating func score(prediction: UnsafeBufferPointer<UInt8>, references: [UnsafeBufferPointer<UInt8>],
                        into row: UnsafeMutableBufferPointer<Double>) {
        if metrics.emColumn != nil || metrics.emSQuAD2Column != nil {
            tokenizeSQuAD(prediction: prediction, references: references)
            scoreSQuAD(into: row)
        }
        let variants = metrics.rougeColumns
        if variants[0] != nil || variants[1] != nil {
            tokenizeRouge(prediction: prediction, references: references)
            if let columns = variants[0] { scoreRouge(rougeTexts, columns, into: row) }
            if let columns = variants[1] {
                stemTexts()
                scoreRouge(stemmedTexts, columns, into: row)
            }
        }
    }

    // MARK: - SQuAD

    private mutating func tokenizeSQuAD(prediction: UnsafeBufferPointer<UInt8>, references: [UnsafeBufferPointer<UInt8>]) {
        squadTokens.removeAll(keepingCapacity: true)
        squadEnds.removeAll(keepingCapacity: true)
        squadTokenizer.tokenize(prediction, interner: &interner, into: &squadTokens)
        squadEnds.append(squadTokens.count)
        for reference in references {
            squadTokenizer.tokenize(reference, interner: &interner, into: &squadTokens)
            squadEnds.append(squadTokens.count)
        }
        if squadCounts.count < interner.count {
            squadCounts += Array(repeating: 0, count: max(interner.count, 2 * squadCounts.count) - squadCounts.count)
        }
    }

    private mutating func scoreSQuAD(into row: UnsafeMutableBufferPointer<Double>) {
        let ends = squadEnds
        squadTokens.withUnsafeBufferPointer { tokens in
            squadCounts.withUnsafeMutableBufferPointer { counts in
                let prediction = UnsafeBufferPointer(rebasing: tokens[0..<ends[0]])
                var exact = 0.0, f1 = 0.0, exact2 = 0.0, f12 = 0.0
                var answerable = false
                for text in 1..<ends.count {
                    let reference = UnsafeBufferPointer(rebasing: tokens[ends[text - 1]..<ends[text]])
                    exact = max(exact, SQuADMetrics.exactMatch(prediction, reference))
                    f1 = max(f1, SQuADMetrics.f1(prediction, reference, counts: counts))
                    // v2.0 keeps only references with a non-empty normalisation.
                    if !reference.isEmpty {
                        answerable = true
                        exact2 = max(exact2, SQuADMetrics.exactMatch(prediction, reference))
                        f12 = max(f12, SQuADMetrics.f1SQuAD2(prediction, reference, counts: counts))
                    }
                }
                if !answerable {              // the gold answers become [""]
                    exact2 = prediction.isEmpty ? 1 : 0
                    f12 = prediction.isEmpty ? 1 : 0
                }
                if let column = metrics.emColumn { row[column] = exact }
                if let column = metrics.f1Column { row[column] = f1 }
                if let column = metrics.emSQuAD2Column { row[column] = exact2 }
                if let column = metrics.f1SQuAD2Column { row[column] = f12 }
            }
        }
    }

    // MARK: - ROUGE

    private mutating func tokenizeRouge(prediction: UnsafeBufferPointer<UInt8>, references: [UnsafeBufferPointer<UInt8>]) {
        rougeTexts.removeAll()
        for text in [prediction] + references {
            rougeTokenizer.tokenize(text, interner: &interner, tokens: &rougeTexts.tokens,
                                    sentenceEnds: &rougeTexts.sentenceEnds)
            rougeTexts.endText()
        }
        rouge.reserve(vocabularySize: interner.count)
    }

    /// `stemmedTexts` from `rougeTexts`: tokens longer than 3 characters replaced by their stem.
    private mutating func stemTexts() {
        stemmedTexts.removeAll()
        for text in 0..<rougeTexts.count {
            let tokens = rougeTexts.tokenRange(text)
            let textStart = stemmedTexts.tokens.count
            var sentenceStart = tokens.lowerBound
            for sentenceEnd in rougeTexts.sentenceEnds[rougeTexts.sentenceRange(text)] {
                let before = stemmedTexts.tokens.count
                for position in sentenceStart..<(tokens.lowerBound + sentenceEnd) {
                    let stemmed = stemmedID(rougeTexts.tokens[position])
                    if stemmed >= 0 { stemmedTexts.tokens.append(stemmed) }
                }
                sentenceStart = tokens.lowerBound + sentenceEnd
                if stemmedTexts.tokens.count > before { stemmedTexts.sentenceEnds.append(stemmedTexts.tokens.count - textStart) }
            }
            stemmedTexts.endText()
        }
        rouge.reserve(vocabularySize: interner.count)
    }

    private mutating func stemmedID(_ id: Int32) -> Int32 {
        if stemOf.count <= Int(id) {
            stemOf += Array(repeating: -2, count: max(interner.count, 2 * stemOf.count) - stemOf.count)
        }
        let known = stemOf[Int(id)]
        if known != -2 { return known }
        let token = interner.token(id)
        var stemmed = id
        if token.count > 3 {
            let stem = PorterStemmer.stem(ascii: token)
            stemmed = stem.isEmpty ? -1 : interner.intern(stem)
        }
        stemOf[Int(id)] = stemmed
        return stemmed
    }

    /// Per ROUGE type, the score against the first reference with the highest F-measure
    /// (`score_multi`, which is `score` for one reference).
    private mutating func scoreRouge(_ texts: TokenizedTexts, _ columns: MetricSet.RougeColumns,
                                     into row: UnsafeMutableBufferPointer<Double>) {
        for (typeIndex, type) in RougeType.allCases.enumerated() {
            let best = bestRougeScore(type, texts)
            row[columns.fmeasure[typeIndex]] = best.fmeasure
            row[columns.precision[typeIndex]] = best.precision
            row[columns.recall[typeIndex]] = best.recall
        }
    }

    mutating func bestRougeScore(_ type: RougeType, _ texts: TokenizedTexts) -> RougeScore {
        var best = RougeScore.zero
        texts.withText(0) { prediction, predictionSentenceEnds in
            for reference in 1..<texts.count {
                texts.withText(reference) { target, targetSentenceEnds in
                    let score = rouge.score(type, target: target, targetSentenceEnds: targetSentenceEnds,
                                            prediction: prediction, predictionSentenceEnds: predictionSentenceEnds)
                    if reference == 1 || score.fmeasure > best.fmeasure { best = score }
                }
            }
        }
        return best
    }

    /// ROUGE of `types` for the public `RougeScorer`.
    mutating func rougeScores(_ types: [RougeType], stemmed: Bool, prediction: UnsafeBufferPointer<UInt8>,
                              references: [UnsafeBufferPointer<UInt8>]) -> [RougeType: RougeScore] {
        tokenizeRouge(prediction: prediction, references: references)
        if stemmed { stemTexts() }
        let texts = stemmed ? stemmedTexts : rougeTexts
        var scores = [RougeType: RougeScore]()
        for type in types { scores[type] = bestRougeScore(type, texts) }
        return scores
    }

    /// rouge-score's tokens of one text, as strings (for `RougeScorer.tokenize`).
    mutating func rougeTokens(_ text: UnsafeBufferPointer<UInt8>, stemmed: Bool) -> [String] {
        tokenizeRouge(prediction: text, references: [])
        if stemmed { stemTexts() }
        let tokens = stemmed ? stemmedTexts.tokens : rougeTexts.tokens
        return tokens.map { String(decoding: interner.token($0), as: UTF8.self) }
    }
}
