import CTKDTensor

/// The teacher vocabulary as a trie over the bytes each token contributes in context.
///
/// Tokens are sorted by their bytes, so the tokens under any node (all tokens whose bytes start
/// with the node's prefix) form one contiguous range of that order. With prefix sums of a
/// probability row in the same order (`PrefixMasses`), the mass of any node is one subtraction.
/// Tokens equal to the node's prefix sort first in its range (`terminals`).
///
///     let trie = VocabularyTrie(vocabularyBytes: [Array("a".utf8), Array("ab".utf8)])
///     let a = trie.child(of: VocabularyTrie.root, byte: UInt8(ascii: "a"))!
///     trie.terminalTokens(of: a)   // [0]
public struct VocabularyTrie: Sendable {
    public typealias Node = Int32
    public static let root: Node = 0

    /// Token ids in byte order; tokens without bytes (special tokens, EOS) are left out.
    public let sortedTokenIDs: [Int32]
    /// Per node: its tokens are `sortedTokenIDs[rangeStart ..< rangeEnd]`, of which
    /// `rangeStart ..< terminalEnd` end exactly at the node.
    let rangeStart: [Int32]
    let rangeEnd: [Int32]
    let terminalEnd: [Int32]
    let depth: [Int32]
    /// Per node: children are `childNodes[childStart[n] ..< childStart[n + 1]]`, sorted by byte.
    let childStart: [Int32]
    let childBytes: [UInt8]
    let childNodes: [Int32]
    /// The root's children by byte (-1: none), the one node asked for most often.
    let rootChildren: [Int32]
    public let vocabularySize: Int

    public var nodeCount: Int { rangeStart.count }

    /// - Parameter vocabularyBytes: indexed by token id; empty arrays are tokens without bytes.
    public init(vocabularyBytes: [[UInt8]]) {
        vocabularySize = vocabularyBytes.count
        let order = vocabularyBytes.indices.filter { !vocabularyBytes[$0].isEmpty }.sorted { left, right in
            let a = vocabularyBytes[left], b = vocabularyBytes[right]
            return a.lexicographicallyPrecedes(b) || (a == b && left < right)
        }
        sortedTokenIDs = order.map { Int32($0) }
        let sorted = order.map { vocabularyBytes[$0] }

        // Nodes in depth-first order; children are listed after all nodes are known.
        var rangeStart = [Int32](), rangeEnd = [Int32](), terminalEnd = [Int32](), depth = [Int32]()
        var children = [[(UInt8, Int32)]]()
        func addNode(_ start: Int, _ end: Int, _ level: Int) -> Int32 {
            var terminal = start
            while terminal < end && sorted[terminal].count == level { terminal += 1 }
            rangeStart.append(Int32(start)); rangeEnd.append(Int32(end))
            terminalEnd.append(Int32(terminal)); depth.append(Int32(level))
            children.append([])
            return Int32(rangeStart.count - 1)
        }
        _ = addNode(0, sorted.count, 0)
        var stack: [Int32] = [0]
        while let node = stack.popLast() {
            let level = Int(depth[Int(node)])
            var index = Int(terminalEnd[Int(node)])
            let end = Int(rangeEnd[Int(node)])
            var made = [(UInt8, Int32)]()
            while index < end {
                let byte = sorted[index][level]
                var groupEnd = index + 1
                while groupEnd < end && sorted[groupEnd][level] == byte { groupEnd += 1 }
                let child = addNode(index, groupEnd, level + 1)
                made.append((byte, child))
                stack.append(child)
                index = groupEnd
            }
            children[Int(node)] = made
        }
        var childStart = [Int32](), childBytes = [UInt8](), childNodes = [Int32]()
        for list in children {
            childStart.append(Int32(childBytes.count))
            for (byte, child) in list {
                childBytes.append(byte)
                childNodes.append(child)
            }
        }
        childStart.append(Int32(childBytes.count))
        var rootChildren = [Int32](repeating: -1, count: 256)
        for (byte, child) in children[0] { rootChildren[Int(byte)] = child }

        self.rangeStart = rangeStart
        self.rangeEnd = rangeEnd
        self.terminalEnd = terminalEnd
        self.depth = depth
        self.childStart = childStart
        self.childBytes = childBytes
        self.childNodes = childNodes
        self.rootChildren = rootChildren
    }

    /// The node for `prefix + [byte]`, or nil when no token starts with it.
    @inline(__always)
    public func child(of node: Node, byte: UInt8) -> Node? {
        if node == VocabularyTrie.root {
            let child = rootChildren[Int(byte)]
            return child < 0 ? nil : child
        }
        var low = Int(childStart[Int(node)]), high = Int(childStart[Int(node) + 1])
        while low < high {
            let middle = (low + high) / 2
            let value = childBytes[middle]
            if value == byte { return childNodes[middle] }
            if value < byte { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    /// The node whose prefix is `bytes`, or nil.
    public func node(for bytes: some Sequence<UInt8>) -> Node? {
        var node = VocabularyTrie.root
        for byte in bytes {
            guard let next = child(of: node, byte: byte) else { return nil }
            node = next
        }
        return node
    }

    /// Indices into `childBytes`/`childNodes` of the node's children.
    @inline(__always)
    func childRange(of node: Node) -> Range<Int> {
        Int(childStart[Int(node)])..<Int(childStart[Int(node) + 1])
    }

    /// Token ids whose bytes equal the node's prefix exactly.
    public func terminalTokens(of node: Node) -> ArraySlice<Int32> {
        sortedTokenIDs[Int(rangeStart[Int(node)])..<Int(terminalEnd[Int(node)])]
    }

    /// The number of bytes in the node's prefix.
    public func depth(of node: Node) -> Int { Int(depth[Int(node)]) }
}

/// Prefix sums of one probability row in the trie's token order, so that the mass of every node
/// (the total probability of the tokens under it) is one subtraction.
///
/// Entries are normalised by the row's total (every token, EOS and byte-less tokens included),
/// which a log-softmax row has as 1 up to rounding.
public struct PrefixMasses: Sendable {
    /// `sums[i]` = total probability of `sortedTokenIDs[0 ..< i]`.
    var sums: [Double]
    /// Probability of end of sequence (0 when the model has none).
    public let endOfSequence: Double

    public init(logProbs: UnsafeBufferPointer<Float>, trie: VocabularyTrie, endOfSequence eos: Int32?) {
        precondition(logProbs.count >= trie.vocabularySize, "row narrower than the vocabulary")
        // exp of the whole row with the SIMD kernel, then a gather in trie order: the gather is
        // the only part that cannot be vectorised.
        var probabilities = [Float](repeating: 0, count: logProbs.count)
        let total = probabilities.withUnsafeMutableBufferPointer { out in
            Double(VectorMath.expShifted(logProbs.baseAddress!, out.baseAddress!, count: logProbs.count, shift: 0))
        }
        let inverse = total > 0 ? 1 / total : 0
        var sums = [Double](repeating: 0, count: trie.sortedTokenIDs.count + 1)
        probabilities.withUnsafeBufferPointer { probabilities in
            trie.sortedTokenIDs.withUnsafeBufferPointer { ids in
                sums.withUnsafeMutableBufferPointer { out in
                    var running = 0.0
                    for index in 0..<ids.count {
                        running += Double(probabilities[Int(ids[index])])
                        out[index + 1] = running * inverse
                    }
                }
            }
        }
        self.sums = sums
        endOfSequence = eos.map { Double(probabilities[Int($0)]) * inverse } ?? 0
    }

    /// Total probability of the tokens under `node`.
    @inline(__always)
    public func mass(_ node: VocabularyTrie.Node, in trie: VocabularyTrie) -> Double {
        sums[Int(trie.rangeEnd[Int(node)])] - sums[Int(trie.rangeStart[Int(node)])]
    }

    /// Total probability of the tokens under `node` that are longer than its prefix.
    @inline(__always)
    func extensionMass(_ node: VocabularyTrie.Node, in trie: VocabularyTrie) -> Double {
        sums[Int(trie.rangeEnd[Int(node)])] - sums[Int(trie.terminalEnd[Int(node)])]
    }

    /// Probability of the token at `sortedIndex` in the trie's order.
    @inline(__always)
    func probability(sortedIndex: Int) -> Double { sums[sortedIndex + 1] - sums[sortedIndex] }
}

