import CTKDCore

/// A byte-pair-encoding model as HF `tokenizers` defines it: a vocabulary, ranked merges, and
/// the options of `models.BPE` (unknown token, `fuse_unk`, `byte_fallback`, `ignore_merges`,
/// `continuing_subword_prefix`, `end_of_word_suffix`).
///
/// In byte-level mode (a ByteLevel pre-tokenizer) the model works on raw bytes: each byte's
/// initial symbol is the vocabulary entry of its byte-level character, and tokens are keyed by
/// the bytes they spell. Otherwise the initial symbols are Unicode scalars.
public final class BPEModel: @unchecked Sendable {
    /// Token strings by id, as written in tokenizer.json (nil where the id space has a gap).
    public let tokens: [String?]
    public let tokenToID: [String: Int]
    /// Merges in rank order, as ids.
    public let mergeList: [(left: Int, right: Int, newID: Int)]
    public let merges: MergeTable
    public let unknownToken: String?
    public let fuseUnknown: Bool
    public let byteFallback: Bool
    public let ignoreMerges: Bool
    public let continuingSubwordPrefix: String?
    public let endOfWordSuffix: String?
    public let byteLevel: Bool

    let unknownID: Int32
    /// Byte-level mode: the id of each byte's symbol (-1 if the vocabulary lacks it).
    let byteSymbolID: [Int32]
    /// `<0xXX>` ids for byte fallback (-1 if absent).
    let fallbackID: [Int32]
    /// Scalar mode: single-scalar tokens.
    let scalarID: [UInt32: Int32]
    /// Whole-word lookup for `ignore_merges`, keyed by the bytes the model sees.
    let wholeWords: ByteStringTable?

    public init(tokens: [String?], mergeList: [(left: Int, right: Int, newID: Int)], unknownToken: String? = nil,
                fuseUnknown: Bool = false, byteFallback: Bool = false, ignoreMerges: Bool = false,
                continuingSubwordPrefix: String? = nil, endOfWordSuffix: String? = nil, byteLevel: Bool) {
        self.tokens = tokens
        var tokenToID: [String: Int] = [:]
        tokenToID.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() { if let token { tokenToID[token] = id } }
        self.tokenToID = tokenToID
        self.mergeList = mergeList
        merges = MergeTable(mergeList)
        self.unknownToken = unknownToken
        unknownID = unknownToken.flatMap { tokenToID[$0] }.map(Int32.init) ?? -1
        self.fuseUnknown = fuseUnknown
        self.byteFallback = byteFallback
        self.ignoreMerges = ignoreMerges
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.endOfWordSuffix = endOfWordSuffix
        self.byteLevel = byteLevel
        byteSymbolID = (0..<256).map { b in
            tokenToID[String(Unicode.Scalar(ByteLevelAlphabet.scalarForByte[b])!)].map(Int32.init) ?? -1
        }
        fallbackID = (0..<256).map { b in tokenToID[BPEModel.fallbackToken(UInt8(b))].map(Int32.init) ?? -1 }
        var scalarID: [UInt32: Int32] = [:]
        if !byteLevel {
            for (token, id) in tokenToID where token.unicodeScalars.count == 1 {
                scalarID[token.unicodeScalars.first!.value] = Int32(id)
            }
        }
        self.scalarID = scalarID
        if ignoreMerges {
            let table = ByteStringTable(expectedEntries: tokenToID.count)
            for (token, id) in tokenToID {
                let key = byteLevel ? (ByteLevelAlphabet.decode(token) ?? Array(token.utf8)) : Array(token.utf8)
                key.withUnsafeBufferPointer { k in
                    [Int32(id)].withUnsafeBufferPointer { table.insert(k.baseAddress ?? UnsafePointer(bitPattern: 1)!, k.count, $0) }
                }
            }
            wholeWords = table
        } else {
            wholeWords = nil
        }
    }

    /// `<0x0A>`: the byte-fallback token of a byte (HF's `format!("<{b:#04X}>")`).
    public static func fallbackToken(_ byte: UInt8) -> String {
        let hex = Array("0123456789ABCDEF")
        return "<0x\(hex[Int(byte >> 4)])\(hex[Int(byte & 15)])>"
    }

    public var vocabularySize: Int { tokens.count }

    /// Tokenizes one word (`word[0..<count]`), appending ids and the byte length of each token
    /// to `output` as pairs (id, length). Uses and fills the scratch's word cache.
    func tokenize(_ word: UnsafePointer<UInt8>, _ count: Int, scratch: BPEScratch, output: inout [Int32]) {
        if count == 0 { return }
        if let wholeWords, let id = wholeWords.withPayload(word, count, { $0[0] }) {
            output.append(id); output.append(Int32(count))
            return
        }
        let cacheable = count < 256
        if cacheable, scratch.cache.withPayload(word, count, { output.append(contentsOf: $0) }) != nil { return }
        scratch.reserveSymbols(count)
        let ids = scratch.ids, lengths = scratch.lengths
        let n = initialSymbols(word, count, ids, lengths)
        let merged = BPEMerging.mergeAll(ids, lengths, count: n, merges: merges, scratch: scratch)
        let start = output.count
        for k in 0..<merged {
            output.append(ids[k]); output.append(lengths[k])
        }
        if cacheable {
            output.withUnsafeBufferPointer { scratch.cache.insert(word, count, UnsafeBufferPointer(rebasing: $0[start...])) }
        }
    }

    /// The symbols a word starts from, with HF's rules for unknown characters: byte fallback
    /// when every byte has a `<0xXX>` token, else the unknown token (consecutive ones fused
    /// with `fuse_unk`), else the character is dropped.
    private func initialSymbols(_ word: UnsafePointer<UInt8>, _ count: Int,
                                _ ids: UnsafeMutablePointer<Int32>, _ lengths: UnsafeMutablePointer<Int32>) -> Int {
        var n = 0
        if byteLevel && continuingSubwordPrefix == nil && endOfWordSuffix == nil {
            var allKnown = true
            for i in 0..<count {
                let id = byteSymbolID[Int(word[i])]
                ids[i] = id
                lengths[i] = 1
                if id < 0 { allKnown = false }
            }
            if allKnown { return count }
        }
        var pendingUnknownLength: Int32 = 0
        var i = 0
        while i < count {
            let length = byteLevel ? 1 : UTF8Scanner.decode(word, i, count).length
            let id = symbolID(word, i, length, isFirst: i == 0, isLast: i + length == count)
            if id >= 0 {
                if pendingUnknownLength > 0 {
                    ids[n] = unknownID; lengths[n] = pendingUnknownLength; n += 1
                    pendingUnknownLength = 0
                }
                ids[n] = id; lengths[n] = Int32(length); n += 1
            } else if byteFallback && (0..<length).allSatisfy({ fallbackID[Int(word[i + $0])] >= 0 }) {
                for k in 0..<length {
                    ids[n] = fallbackID[Int(word[i + k])]; lengths[n] = 1; n += 1
                }
            } else if unknownID >= 0 {
                if pendingUnknownLength > 0 && !fuseUnknown {
                    ids[n] = unknownID; lengths[n] = pendingUnknownLength; n += 1
                    pendingUnknownLength = 0
                }
                pendingUnknownLength += Int32(length)
            }
            i += length
        }
        if pendingUnknownLength > 0 {
            ids[n] = unknownID; lengths[n] = pendingUnknownLength; n += 1
        }
        return n
    }

    private func symbolID(_ word: UnsafePointer<UInt8>, _ start: Int, _ length: Int, isFirst: Bool, isLast: Bool) -> Int32 {
        let prefix = isFirst ? nil : continuingSubwordPrefix
        let suffix = isLast ? endOfWordSuffix : nil
        if prefix == nil && suffix == nil {
            if byteLevel { return byteSymbolID[Int(word[start])] }
            let (scalar, _) = UTF8Scanner.decode(word, start, start + length)
            if scalar == UTF8Scanner.invalid { return -1 }
            return scalarID[scalar] ?? -1
        }
        let piece = UnsafeBufferPointer(start: word + start, count: length)
        let symbol = byteLevel ? ByteLevelAlphabet.encode(piece) : String(decoding: piece, as: UTF8.self)
        if !byteLevel && String(validating: piece, as: UTF8.self) == nil { return -1 }
        return tokenToID[(prefix ?? "") + symbol + (suffix ?? "")].map(Int32.init) ?? -1
    }
}
