/// The byte beam of methods.md §2: the teacher's next-byte distribution at every response byte,
/// walked over the vocabulary trie while the teacher is live.
///
/// A hypothesis is (teacher token history h, trie node n, history weight W ∝ P(h)); it stands for
/// every token sequence that continues h with a token whose bytes start with n's prefix, with
/// mass W·mass_h(n). At each offset the beam first lets hypotheses on complete tokens spawn "that
/// token ended here" (a new history at the trie root), selects what to keep, asks the teacher for
/// the rows of the kept new histories (one batched call), then sums the children's masses into
/// the 257-symbol distribution and advances by the true byte.
///
/// Cost model: a spawn whose token is the canonical next token continues the prefilled sequence
/// and costs nothing; every other kept spawn costs one branch evaluation (one decode step). Spawns
/// are selected by their weight *before* evaluation, so a spawn that would be pruned is never
/// evaluated.
///
/// The beam is a state machine so that a driver can step many examples in lockstep and batch all
/// their branch evaluations into one teacher call:
///
///     var beam = ByteBeam(trie: trie, endOfSequence: eos, text: text, settings: .init())
///     while !beam.isFinished {
///         let branches = beam.prepareOffset(canonicalRow: row)          // histories to evaluate
///         let rows = try evaluate(branches)                              // one batched call
///         beam.completeOffset(evaluatedRows: rows, canonicalRow: row)    // emits one distribution
///     }
///     beam.distributions   // (bytes.count + 1) × 257
public struct ByteBeam {
    /// A history off the canonical path: the first `canonicalCount` response tokens, then `extraTokens`.
    public struct Branch: Hashable, Sendable {
        public var canonicalCount: Int
        public var extraTokens: [Int32]
    }

    struct Hypothesis {
        var history: Int
        var node: VocabularyTrie.Node
        var weight: Double
    }

    struct History {
        var branch: Branch
        var masses: PrefixMasses?
    }

    /// What phase 1 chose to keep at this offset: an existing hypothesis (now standing for tokens
    /// strictly longer than its node) or a spawn that became a new history at the root.
    enum Survivor {
        case existing(Hypothesis)
        case spawn(history: Int, weight: Double)
    }

    public let trie: VocabularyTrie
    public let endOfSequence: Int32?
    public let text: BeamText
    public let settings: ByteBeamSettings

    /// One 257-symbol distribution per byte offset 0...bytes.count, row-major.
    public private(set) var distributions: [Float] = []
    /// Branch evaluations requested (the beam's cost beyond the prefill).
    public private(set) var evaluationCount = 0
    /// Offsets where no hypothesis had mass (the teacher gives the text probability 0 there) and
    /// the uniform distribution was emitted.
    public private(set) var fallbackCount = 0
    public private(set) var offset = 0

    var hypotheses: [Hypothesis]
    var histories: [History] = []
    var historyIndex: [Branch: Int] = [:]
    var survivors: [Survivor] = []
    var pending: [Int] = []

    public init(trie: VocabularyTrie, endOfSequence: Int32?, text: BeamText, settings: ByteBeamSettings) {
        self.trie = trie
        self.endOfSequence = endOfSequence
        self.text = text
        precondition(settings.mode == .beam, "the single-pass mode is ByteBeam.singlePassDistributions")
        self.settings = settings
        hypotheses = []
        distributions.reserveCapacity((text.bytes.count + 1) * ByteSymbol.count)
        let start = history(for: Branch(canonicalCount: 0, extraTokens: []))
        hypotheses = [Hypothesis(history: start, node: VocabularyTrie.root, weight: 1)]
    }

    public var isFinished: Bool { offset > text.bytes.count }

    // MARK: phase 1: spawn, select, ask for rows

    /// Spawns and selects at the current offset; returns the histories whose rows the teacher must
    /// evaluate before `completeOffset` (canonical histories come from `canonicalRow`).
    public mutating func prepareOffset(canonicalRow: (Int) -> UnsafeBufferPointer<Float>) -> [Branch] {
        precondition(!isFinished)
        struct Candidate { var survivor: Survivor; var mass: Double; var spawnToken: Int32 }
        var candidates = [Candidate]()
        for hypothesis in hypotheses {
            let masses = self.masses(hypothesis.history, canonicalRow)
            if hypothesis.node == VocabularyTrie.root {
                let mass = hypothesis.weight * (masses.mass(VocabularyTrie.root, in: trie) + masses.endOfSequence)
                candidates.append(Candidate(survivor: .existing(hypothesis), mass: mass, spawnToken: -1))
                continue
            }
            let extensionMass = hypothesis.weight * masses.extensionMass(hypothesis.node, in: trie)
            if extensionMass > 0 {
                candidates.append(Candidate(survivor: .existing(hypothesis), mass: extensionMass, spawnToken: -1))
            }
            let start = Int(trie.rangeStart[Int(hypothesis.node)])
            for sortedIndex in start..<Int(trie.terminalEnd[Int(hypothesis.node)]) {
                let mass = hypothesis.weight * masses.probability(sortedIndex: sortedIndex)
                if mass > 0 {
                    candidates.append(Candidate(survivor: .spawn(history: hypothesis.history, weight: mass),
                                                mass: mass, spawnToken: trie.sortedTokenIDs[sortedIndex]))
                }
            }
        }
        let kept = ByteBeam.select(candidates.map(\.mass), width: settings.width,
                                   relativeThreshold: settings.relativeThreshold)
        survivors = []
        pending = []
        for index in kept {
            let candidate = candidates[index]
            switch candidate.survivor {
            case .existing:
                survivors.append(candidate.survivor)
            case .spawn(let parent, let weight):
                let child = spawnedBranch(parent: histories[parent].branch, token: candidate.spawnToken)
                let spawned = history(for: child)
                if histories[spawned].masses == nil && !child.extraTokens.isEmpty { pending.append(spawned) }
                survivors.append(.spawn(history: spawned, weight: weight))
            }
        }
        evaluationCount += pending.count
        return pending.map { histories[$0].branch }
    }

    /// h + token: on the canonical path when h is canonical and the token is the canonical next one.
    func spawnedBranch(parent: Branch, token: Int32) -> Branch {
        if parent.extraTokens.isEmpty && parent.canonicalCount < text.tokens.count
            && text.tokens[parent.canonicalCount] == token {
            return Branch(canonicalCount: parent.canonicalCount + 1, extraTokens: [])
        }
        return Branch(canonicalCount: parent.canonicalCount, extraTokens: parent.extraTokens + [token])
    }

    // MARK: phase 2: distribution, advance

    /// Takes the rows of the branches `prepareOffset` returned (in order, `vocabularySize` floats
    /// each), appends the distribution at this offset and advances by the true byte.
    public mutating func completeOffset(evaluatedRows: UnsafeBufferPointer<Float>, rowWidth: Int,
                                        canonicalRow: (Int) -> UnsafeBufferPointer<Float>) {
        precondition(evaluatedRows.count >= pending.count * rowWidth)
        for (position, history) in pending.enumerated() {
            let row = UnsafeBufferPointer(rebasing: evaluatedRows[(position * rowWidth)..<((position + 1) * rowWidth)])
            histories[history].masses = PrefixMasses(logProbs: row, trie: trie, endOfSequence: endOfSequence)
        }
        pending = []
        hypotheses = survivors.map { survivor in
            switch survivor {
            case .existing(let hypothesis): hypothesis
            case .spawn(let history, let weight): Hypothesis(history: history, node: VocabularyTrie.root, weight: weight)
            }
        }
        survivors = []
        emitDistribution(canonicalRow)
        if offset < text.bytes.count { advance(by: text.bytes[offset], canonicalRow) }
        offset += 1
        releaseUnusedHistories()
    }

    /// Σ over hypotheses of W·mass_h(child) per byte, W·P(EOS | h) for END at the root.
    mutating func emitDistribution(_ canonicalRow: (Int) -> UnsafeBufferPointer<Float>) {
        var scores = [Double](repeating: 0, count: ByteSymbol.count)
        for hypothesis in hypotheses {
            let masses = self.masses(hypothesis.history, canonicalRow)
            for index in trie.childRange(of: hypothesis.node) {
                scores[Int(trie.childBytes[index])] += hypothesis.weight * masses.mass(trie.childNodes[index], in: trie)
            }
            if hypothesis.node == VocabularyTrie.root {
                scores[ByteSymbol.end] += hypothesis.weight * masses.endOfSequence
            }
        }
        ByteBeam.appendNormalized(scores, to: &distributions, fallbacks: &fallbackCount)
    }

    mutating func advance(by byte: UInt8, _ canonicalRow: (Int) -> UnsafeBufferPointer<Float>) {
        var next = [Hypothesis]()
        var nextMasses = [Double]()
        for hypothesis in hypotheses {
            guard let child = trie.child(of: hypothesis.node, byte: byte) else { continue }
            let mass = hypothesis.weight * masses(hypothesis.history, canonicalRow).mass(child, in: trie)
            if mass > 0 {
                next.append(Hypothesis(history: hypothesis.history, node: child, weight: hypothesis.weight))
                nextMasses.append(mass)
            }
        }
        let kept = ByteBeam.select(nextMasses, width: settings.width, relativeThreshold: settings.relativeThreshold)
        let total = kept.reduce(0.0) { $0 + nextMasses[$1] }
        hypotheses = kept.map { index in
            var hypothesis = next[index]
            hypothesis.weight /= total
            return hypothesis
        }
        if hypotheses.isEmpty { reseedOnCanonicalPath(after: offset) }
    }

    /// The text has probability 0 under every kept history: restart from the canonical
    /// tokenization at the next offset, so later targets are again defined.
    mutating func reseedOnCanonicalPath(after byteOffset: Int) {
        let nextOffset = byteOffset + 1
        guard let token = text.tokenEnds.firstIndex(where: { $0 >= nextOffset }) else { return }
        if text.tokenEnds[token] == nextOffset {
            let history = history(for: Branch(canonicalCount: token + 1, extraTokens: []))
            hypotheses = [Hypothesis(history: history, node: VocabularyTrie.root, weight: 1)]
        } else if let node = trie.node(for: text.bytes[text.tokenStart(token)..<nextOffset]) {
            let history = history(for: Branch(canonicalCount: token, extraTokens: []))
            hypotheses = [Hypothesis(history: history, node: node, weight: 1)]
        }
    }

    // MARK: histories and their rows

    mutating func history(for branch: Branch) -> Int {
        if let index = historyIndex[branch] { return index }
        histories.append(History(branch: branch, masses: nil))
        historyIndex[branch] = histories.count - 1
        return histories.count - 1
    }

    /// The prefix masses of a history's row; canonical rows are computed on first use.
    mutating func masses(_ history: Int, _ canonicalRow: (Int) -> UnsafeBufferPointer<Float>) -> PrefixMasses {
        if let masses = histories[history].masses { return masses }
        let branch = histories[history].branch
        precondition(branch.extraTokens.isEmpty, "branch row used before it was evaluated")
        let masses = PrefixMasses(logProbs: canonicalRow(branch.canonicalCount), trie: trie, endOfSequence: endOfSequence)
        histories[history].masses = masses
        return masses
    }

    /// Rows of histories no hypothesis refers to any more are dropped (a history never returns
    /// once its last hypothesis is gone, except by reseeding, which recomputes it).
    mutating func releaseUnusedHistories() {
        var used = Set<Int>()
        for hypothesis in hypotheses { used.insert(hypothesis.history) }
        for index in histories.indices where histories[index].masses != nil && !used.contains(index) {
            histories[index].masses = nil
            if !histories[index].branch.extraTokens.isEmpty { historyIndex[histories[index].branch] = nil }
        }
    }

    // MARK: shared steps

    /// Indices of the masses to keep: positive, the `width` heaviest (ties by position, so the
    /// choice is deterministic), and at least `relativeThreshold` × the heaviest.
    static func select(_ masses: [Double], width: Int, relativeThreshold: Double) -> [Int] {
        var order = masses.indices.filter { masses[$0] > 0 }
        guard let heaviest = order.map({ masses[$0] }).max() else { return [] }
        order = order.filter { masses[$0] >= relativeThreshold * heaviest }
        if order.count > width {
            order.sort { masses[$0] > masses[$1] || (masses[$0] == masses[$1] && $0 < $1) }
            order = Array(order.prefix(width)).sorted()
        }
        return order
    }

    /// Appends scores / Σ scores as Float; all-zero scores give the uniform distribution.
    static func appendNormalized(_ scores: [Double], to output: inout [Float], fallbacks: inout Int) {
        let total = scores.reduce(0, +)
        if total > 0 && total.isFinite {
            for score in scores { output.append(Float(score / total)) }
        } else {
            fallbacks += 1
            output.append(contentsOf: repeatElement(1 / Float(ByteSymbol.count), count: ByteSymbol.count))
        }
    }
}
