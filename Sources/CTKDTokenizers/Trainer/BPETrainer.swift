import CTKDCore

/// Learns BPE merges from text exactly as HF's `BpeTrainer` does, so that the same corpus and
/// settings give the same vocabulary and merges:
///
/// 1. special tokens take the first ids; 2. the alphabet (every character seen, plus the
/// initial alphabet — all 256 byte symbols for byte-level) follows, sorted by code point;
/// 3. words are counted after normalization and pre-tokenization, line by line (each line with
/// its line break); 4. each step merges the pair with the highest count, ties going to the
/// smallest (left id, right id), stopping at the vocabulary size or when the best count falls
/// below `minimumFrequency`. Pair counts are updated incrementally from the words the merge
/// touched, through a priority queue whose stale entries are refreshed when popped — with HF's
/// quirks (the merged pair's own count is not decreased; a token string formed twice keeps its
/// first id).
///
///     let trainer = BPETrainer(recipe: .byteLevel, vocabularySize: 4000)
///     let tokenizer = try trainer.train(files: ["botchan.txt"])
public struct BPETrainer: Sendable {
    public var recipe: TrainingRecipe
    /// The size of the final vocabulary, special tokens (and byte-fallback tokens) included.
    public var vocabularySize: Int
    public var minimumFrequency: Int
    public var specialTokens: [String]
    /// At most this many alphabet characters (the rarest are dropped; ties by code point);
    /// SentencePiece style defaults to 1000, like HF's `SentencePieceBPETokenizer`.
    public var limitAlphabet: Int?

    public init(recipe: TrainingRecipe, vocabularySize: Int, minimumFrequency: Int = 2,
                specialTokens: [String]? = nil, limitAlphabet: Int? = nil) {
        self.recipe = recipe
        self.vocabularySize = vocabularySize
        self.minimumFrequency = minimumFrequency
        self.specialTokens = specialTokens ?? recipe.defaultSpecialTokens
        self.limitAlphabet = limitAlphabet
    }

    /// Counts words in `files` and learns the tokenizer. `progress` gets (stage, done, total).
    public func train(files: [String], progress: ((String, Int, Int) -> Void)? = nil) throws -> Tokenizer {
        let template = try Tokenizer(model: BPEModel(tokens: [], mergeList: [], byteLevel: recipe.byteLevel),
                                     addedTokens: [], pipelineJSON: recipe.pipelineJSON)
        var counts: [[UInt8]: Int] = [:]
        for (index, file) in files.enumerated() {
            let text = try FileIO.read(file)
            if let offset = FileIO.firstInvalidUTF8Offset(text) {
                let line = text[..<offset].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
                throw CTKDError("invalid UTF-8 at byte \(offset)", file: file, line: line)
            }
            WordCounter.count(text, with: template, into: &counts)
            progress?("count words", index + 1, files.count)
        }
        return try train(wordCounts: counts, progress: progress)
    }

    /// Learns the tokenizer from word counts (words as the bytes the model sees).
    public func train(wordCounts: [[UInt8]: Int], progress: ((String, Int, Int) -> Void)? = nil) throws -> Tokenizer {
        let fallbackCount = recipe == .sentencePiece ? 256 : 0
        guard vocabularySize > specialTokens.count + fallbackCount else {
            throw CTKDError("vocabulary size \(vocabularySize) leaves no room beyond the special tokens", field: "vocab-size")
        }
        var state = MergeState(byteLevel: recipe.byteLevel)
        for token in specialTokens { state.addToken(Array(token.utf8), isSpecial: true) }
        state.addAlphabet(wordCounts: wordCounts, initial: recipe.byteLevel ? Array(0..<256).map { UInt32($0) } : [],
                          limit: limitAlphabet ?? (recipe == .sentencePiece ? 1000 : nil))
        state.learn(wordCounts: wordCounts, vocabularySize: vocabularySize - fallbackCount,
                    minimumFrequency: minimumFrequency, progress: progress)
        return try state.tokenizer(recipe: recipe, specialTokens: specialTokens)
    }
}

/// Counts the words of text lines as the recipe's normalizer and pre-tokenizer cut them.
enum WordCounter {
    static func count(_ text: [UInt8], with template: Tokenizer, into counts: inout [[UInt8]: Int]) {
        // Lines keep their line break, as HF's trainer reads them; chunks are counted in parallel.
        var lineStarts: [Int] = [0]
        for (i, b) in text.enumerated() where b == 0x0A && i + 1 < text.count { lineStarts.append(i + 1) }
        lineStarts.append(text.count)
        let lineCount = lineStarts.count - 1
        let chunks = max(1, min(Parallel.threadCount * 4, lineCount / 64))
        let partial: [[[UInt8]: Int]] = text.withUnsafeBufferPointer { buffer in
            Parallel.map(chunks) { chunk in
                var local: [[UInt8]: Int] = [:]
                for line in (lineCount * chunk / chunks)..<(lineCount * (chunk + 1) / chunks) {
                    for word in template.trainingWords(buffer, lineStarts[line]..<lineStarts[line + 1]) {
                        local[word, default: 0] += 1
                    }
                }
                return local
            }
        }
        for local in partial { counts.merge(local, uniquingKeysWith: +) }
    }
}

extension Tokenizer {
    /// The words of `input[range]` after normalization and pre-tokenization (no added tokens).
    func trainingWords(_ input: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [[UInt8]] {
        var text = NormalizedText(input: input, range: range)
        if let normalizer { text = normalizer.apply(text) }
        var words = PreTokenizedText(text: text, words: text.isEmpty ? [] : [0..<text.count])
        if let preTokenizer { words = preTokenizer.apply(words) }
        return words.words.map { Array(words.text.bytes[$0]) }
    }
}
