import Foundation

/// Everything that determines how targets are encoded; recorded in the `codec` metadata key.
public struct CodecParameters: Sendable, Equatable, Codable {
    /// Blob layout version of every part (schemas/README.md).
    public static let currentVersion = 2
    public var version: Int = CodecParameters.currentVersion
    /// The rANS tables of the tokens, top-k and sampled parts (`CodecTables.named`).
    public var tables = "default-1"
    public var topK: LogProbQuantizer = LogProbQuantizer()
    public var bytes: ByteDistributionCodec.Settings = ByteDistributionCodec.Settings()
    /// zstd level of the byte-distribution part.
    public var zstdLevel: Int32 = 3

    public init() {}

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    public static func parse(_ text: String) throws -> CodecParameters {
        do {
            let parameters = try JSONDecoder().decode(CodecParameters.self, from: Data(text.utf8))
            guard parameters.version == currentVersion else {
                throw CacheFormatError("codec version \(parameters.version); this ctkd reads version \(currentVersion) (rebuild the cache)")
            }
            return parameters
        } catch let error as CacheFormatError {
            throw error
        } catch {
            throw CacheFormatError("metadata key \"codec\" is not valid codec JSON: \(error)")
        }
    }
}
