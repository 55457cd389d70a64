import CTKDCore

/// Named fractions of a dataset, e.g. `train=0.8,validation=0.1,test=0.1`.
public struct SplitFractions: Codable, Sendable, Equatable, CustomStringConvertible {
    public struct Part: Codable, Sendable, Equatable {
        public var name: String
        public var fraction: Double
        public init(name: String, fraction: Double) {
            self.name = name
            self.fraction = fraction
        }
    }

    public var parts: [Part]

    /// Checks that names are usable file names and unique, and that the fractions are positive
    /// and sum to 1 (within 1e-6).
    public init(_ parts: [Part]) throws {
        guard !parts.isEmpty else { throw CTKDError("no splits given") }
        var seen = Set<String>()
        for part in parts {
            try SplitFractions.validateName(part.name)
            guard seen.insert(part.name).inserted else { throw CTKDError("split \"\(part.name)\" given twice") }
            guard part.fraction > 0, part.fraction <= 1 else {
                throw CTKDError("split \"\(part.name)\": fraction \(part.fraction) is not in (0, 1]")
            }
        }
        let total = parts.reduce(0) { $0 + $1.fraction }
        guard abs(total - 1) <= 1e-6 else {
            throw CTKDError("split fractions sum to \(total), not 1")
        }
        self.parts = parts
    }

    /// Parses `name=fraction,name=fraction,…`.
    public init(parsing text: String) throws {
        let parts = try text.split(separator: ",").map { item -> Part in
            let pieces = item.split(separator: "=", maxSplits: 1)
            guard pieces.count == 2, let fraction = Double(String(pieces[1]).trimmingWhitespace()) else {
                throw CTKDError("\"\(item)\" is not name=fraction (e.g. train=0.9,validation=0.1)")
            }
            return Part(name: String(pieces[0]).trimmingWhitespace(), fraction: fraction)
        }
        try self.init(parts)
    }

    public var description: String { parts.map { "\($0.name)=\($0.fraction)" }.joined(separator: ",") }

    /// Split names become file names (`<name>.jsonl`): letters, digits, `_` and `-` only.
    public static func validateName(_ name: String) throws {
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }) else {
            throw CTKDError("split name \"\(name)\" must be letters, digits, \"_\" or \"-\"")
        }
    }
}

/// Deterministic splits and samples by a hash of each example's id: an example's split depends
/// only on its id and the salt, never on the file's order, its size or the other examples, so
/// adding examples to a source never moves an existing one to another split.
///
///     let parts = DatasetSplitter.split(examples, fractions: try SplitFractions(parsing: "train=0.9,test=0.1"))
public enum DatasetSplitter {
    public static let defaultSalt = "ctkd"

    /// A number in [0, 1) from SHA-256(salt, NUL, id): the first 53 bits of the digest.
    public static func unitHash(id: String, salt: String) -> Double {
        var hasher = SHA256()
        hasher.update(salt)
        hasher.update(CollectionOfOne(0))
        hasher.update(id)
        let digest = hasher.finalize()
        let word = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Double(word >> 11) * 0x1p-53
    }

    /// The examples of each split, in the order of `fractions`, each keeping the input order.
    /// Example with hash u goes to the first split whose cumulative fraction exceeds u.
    public static func split(_ examples: [DatasetExample], fractions: SplitFractions,
                             salt: String = defaultSalt) -> [(name: String, examples: [DatasetExample])] {
        var buckets = fractions.parts.map { (name: $0.name, examples: [DatasetExample]()) }
        var bounds = [Double]()
        var total = 0.0
        for part in fractions.parts {
            total += part.fraction
            bounds.append(total)
        }
        for example in examples {
            let u = unitHash(id: example.id, salt: salt)
            let index = bounds.firstIndex { u < $0 } ?? bounds.count - 1
            buckets[index].examples.append(example)
        }
        return buckets
    }

    /// A deterministic random subset of `count` examples (those with the smallest hashes, under a
    /// salt different from `split`'s so that a sample is spread over the splits), in input order.
    public static func sample(_ examples: [DatasetExample], count: Int,
                              salt: String = defaultSalt) -> [DatasetExample] {
        guard count < examples.count else { return examples }
        let keyed = examples.indices.map { (index: $0, hash: unitHash(id: examples[$0].id, salt: salt + "/sample")) }
        let chosen = keyed.sorted { ($0.hash, $0.index) < ($1.hash, $1.index) }.prefix(count).map(\.index)
        return chosen.sorted().map { examples[$0] }
    }
}
