import CTKDCore

/// The vocabulary and words being merged by `BPETrainer` (HF's `BpeTrainer::do_train`).
struct MergeState {
    let byteLevel: Bool
    /// Token bytes by id (raw bytes for byte-level, UTF-8 otherwise) and the reverse map.
    var tokens: [[UInt8]] = []
    var tokenIDs: [[UInt8]: Int32] = [:]
    var specialCount = 0
    var merges: [(left: Int32, right: Int32, newID: Int32)] = []

    init(byteLevel: Bool) { self.byteLevel = byteLevel }

    mutating func addToken(_ bytes: [UInt8], isSpecial: Bool = false) {
        guard tokenIDs[bytes] == nil else { return }
        tokenIDs[bytes] = Int32(tokens.count)
        tokens.append(bytes)
        if isSpecial { specialCount += 1 }
    }

    /// The characters of a word: (code point for ordering, bytes). Byte-level characters are the
    /// byte-to-character map's, so that they sort as HF's do.
    func characters(of word: [UInt8]) -> [(UInt32, ArraySlice<UInt8>)] {
        if byteLevel { return word.indices.map { (ByteLevelAlphabet.scalarForByte[Int(word[$0])], word[$0...$0]) } }
        var out: [(UInt32, ArraySlice<UInt8>)] = []
        word.withUnsafeBufferPointer { p in
            var i = 0
            while i < p.count {
                let (scalar, length) = UTF8Scanner.decode(p.baseAddress!, i, p.count)
                out.append((scalar, word[i..<(i + length)]))
                i += length
            }
        }
        return out
    }

    mutating func addAlphabet(wordCounts: [[UInt8]: Int], initial: [UInt32], limit: Int?) {
        var alphabet: [UInt32: (count: Int, bytes: [UInt8])] = [:]
        for (word, count) in wordCounts {
            for (scalar, bytes) in characters(of: word) {
                alphabet[scalar, default: (0, Array(bytes))].count += count
            }
        }
        for value in initial {  // byte values for byte-level
            let scalar = byteLevel ? ByteLevelAlphabet.scalarForByte[Int(value)] : value
            let bytes = byteLevel ? [UInt8(value)] : Array(String(Unicode.Scalar(value)!).utf8)
            alphabet[scalar] = (Int.max, bytes)
        }
        var kept = alphabet.map { (scalar: $0.key, count: $0.value.count, bytes: $0.value.bytes) }
        if let limit, kept.count > limit {
            kept.sort { ($0.count, $1.scalar) < ($1.count, $0.scalar) }
            kept.removeFirst(kept.count - limit)
        }
        kept.sort { $0.scalar < $1.scalar }
        for entry in kept { addToken(entry.bytes) }
    }

    /// A queued merge candidate: HF's `Merge { pair, count, pos }`.
    struct Candidate {
        var pair: UInt64
        var count: Int
        var positions: [Int32]
        /// Max-heap order: higher count first, then the smaller pair.
        func isBefore(_ other: Candidate) -> Bool {
            count != other.count ? count > other.count : pair < other.pair
        }
    }

    mutating func learn(wordCounts: [[UInt8]: Int], vocabularySize: Int, minimumFrequency: Int,
                        progress: ((String, Int, Int) -> Void)?) {
        // Words as symbol ids (characters outside the alphabet are dropped, as in HF).
        var words: [[Int32]] = []
        var counts: [Int] = []
        for (word, count) in wordCounts.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            words.append(characters(of: word).compactMap { tokenIDs[Array($0.1)] })
            counts.append(count)
        }
        var pairCounts: [UInt64: Int] = [:]
        var whereToUpdate: [UInt64: Set<Int32>] = [:]
        for (index, word) in words.enumerated() where word.count > 1 {
            for k in 0..<(word.count - 1) {
                let pair = UInt64(UInt32(word[k])) << 32 | UInt64(UInt32(word[k + 1]))
                pairCounts[pair, default: 0] += counts[index]
                whereToUpdate[pair, default: []].insert(Int32(index))
            }
        }
        var queue = CandidateHeap()
        for (pair, positions) in whereToUpdate where pairCounts[pair]! > 0 {
            queue.push(Candidate(pair: pair, count: pairCounts[pair]!, positions: Array(positions)))
        }
        whereToUpdate.removeAll()
        let target = vocabularySize
        while tokens.count < target, var top = queue.pop() {
            let current = pairCounts[top.pair] ?? 0
            if top.count != current {
                top.count = current
                queue.push(top)
                continue
            }
            if top.count < 1 || minimumFrequency > top.count { break }
            let left = Int32(truncatingIfNeeded: top.pair >> 32), right = Int32(truncatingIfNeeded: top.pair & 0xFFFF_FFFF)
            let newToken = tokens[Int(left)] + tokens[Int(right)]
            let newID: Int32
            if let existing = tokenIDs[newToken] { newID = existing } else {
                newID = Int32(tokens.count)
                addToken(newToken)
            }
            merges.append((left, right, newID))
            for position in top.positions {
                let index = Int(position)
                for (pair, change) in Self.merge(&words[index], left, right, newID) {
                    pairCounts[pair, default: 0] += change * counts[index]
                    if change > 0 { whereToUpdate[pair, default: []].insert(position) }
                }
            }
            for (pair, positions) in whereToUpdate {
                let count = pairCounts[pair] ?? 0
                if count > 0 { queue.push(Candidate(pair: pair, count: count, positions: Array(positions))) }
            }
            whereToUpdate.removeAll(keepingCapacity: true)
            progress?("merges", tokens.count, target)
        }
    }

    /// HF's `Word::merge`: replaces each (left, right) in the word, left to right, and returns
    /// the pair count changes for the neighbours (not for the merged pair itself).
    static func merge(_ word: inout [Int32], _ left: Int32, _ right: Int32, _ newID: Int32) -> [(UInt64, Int)] {
        @inline(__always) func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)) }
        var changes: [(UInt64, Int)] = []
        var i = 0
        while i < word.count {
            if word[i] == left && i + 1 < word.count && word[i + 1] == right {
                if i > 0 {
                    changes.append((key(word[i - 1], left), -1))
                    changes.append((key(word[i - 1], newID), 1))
                }
                word[i] = newID
                word.remove(at: i + 1)
                if i < word.count - 1 {
                    changes.append((key(right, word[i + 1]), -1))
                    changes.append((key(newID, word[i + 1]), 1))
                }
            }
            i += 1
        }
        return changes
    }

    /// The trained tokenizer: specials as added tokens, byte-fallback tokens for SentencePiece.
    func tokenizer(recipe: TrainingRecipe, specialTokens: [String]) throws -> Tokenizer {
        var allTokens = tokens
        if recipe == .sentencePiece {
            let existing = Set(tokens)
            for b in 0..<256 {
                let token = Array(BPEModel.fallbackToken(UInt8(b)).utf8)
                if !existing.contains(token) { allTokens.append(token) }
            }
        }
        let strings: [String?] = allTokens.enumerated().map { id, bytes in
            byteLevel && id >= specialCount ? ByteLevelAlphabet.encode(bytes) : String(decoding: bytes, as: UTF8.self)
        }
        let model = BPEModel(tokens: strings, mergeList: merges.map { (Int($0.left), Int($0.right), Int($0.newID)) },
                             unknownToken: recipe == .sentencePiece ? "<unk>" : nil,
                             fuseUnknown: recipe == .sentencePiece, byteFallback: recipe == .sentencePiece,
                             ignoreMerges: recipe == .llama3, byteLevel: byteLevel)
        let added = specialTokens.enumerated().map { AddedToken(id: $0, content: $1, special: true, normalized: false) }
        var pipeline = recipe.pipelineJSON
        pipeline.postProcessor = recipe.postProcessorJSON(bos: specialTokens.firstIndex(of: "<s>"),
                                                          eos: specialTokens.firstIndex(of: "</s>"))
        return try Tokenizer(model: model, addedTokens: added, pipelineJSON: pipeline)
    }
}

/// A binary max-heap of merge candidates in HF's order.
struct CandidateHeap {
    private var items: [MergeState.Candidate] = []

    mutating func push(_ item: MergeState.Candidate) {
        items.append(item)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].isBefore(items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> MergeState.Candidate? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var best = i
            if l < items.count && items[l].isBefore(items[best]) { best = l }
            if r < items.count && items[r].isBefore(items[best]) { best = r }
            if best == i { break }
            items.swapAt(i, best)
            i = best
        }
        return top
    }
}
