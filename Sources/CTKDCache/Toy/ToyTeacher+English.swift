extension ToyTeacher {
    /// A toy teacher that can write any text: the 256 single bytes plus common English pieces,
    /// with hashed (history-dependent) distributions. `ctkd teach --toy-teacher english:SEED`
    /// uses it for end-to-end runs and tests without model weights.
    public static func english(seed: UInt64) -> ToyTeacher {
        let pieces = [" the", "the", " a", " of", " and", " to", " in", "in", "th", "he", "er", "an", "re", "on",
                      "at", "en", "nd", "ing", " is", "es", "or", "ed", " wh", "ou", "it", "is", " be", "ion",
                      " that", "st", "ar", "al", " for", " it", "le", "se", " on", " was", "?", ". ", ", "]
        let tokens = (0..<256).map { [UInt8($0)] } + pieces.map { Array($0.utf8) }
        return ToyTeacher(tokens: tokens, kind: .hashed(seed: seed, scale: 2.5), name: "english:\(seed)")
    }
}
