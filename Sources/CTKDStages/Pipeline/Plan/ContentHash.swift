import CTKDCore

/// Content hashes of the files a pipeline reads from outside its work directory.
enum ContentHash {
    /// SHA-256 of a file's bytes.
    static func file(_ path: String) throws -> String { try SHA256.hex(fileAt: path) }

    /// SHA-256 over the names and content hashes of the regular files directly inside a
    /// directory (a model directory: config.json, model.safetensors, tokenizer.json, …), in name
    /// order; subdirectories are not part of a model and are left out.
    static func directory(_ path: String) throws -> String {
        var hasher = SHA256()
        for name in try FileIO.list(path) where !FileIO.isDirectory(path + "/" + name) {
            hasher.update("\(name)\0\(try file(path + "/" + name))\n")
        }
        return hasher.finalizeHex()
    }
}
