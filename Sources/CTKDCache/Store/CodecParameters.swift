import Foundation

/// Everything that determines how targets are encoded; recorded in the `codec` metadata key.
public struct CodecParameters: Sendable, Equatable, Codable {
    /// Blob layout version of every part (schemas/README.md).
    public var version: Int = 1
    public var topK: LogProbQuantizer = LogProbQuantizer()
    public var bytes: ByteDistributionCodec.Settings = ByteDistributionCodec.Settings()
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
            guard parameters.version == 1 else { throw CacheFormatError("codec version \(parameters.version) is newer than this ctkd reads (1)") }
            return parameters
        } catch let error as CacheFormatError {
            throw error
        } catch {
            throw CacheFormatError("metadata key \"codec\" is not valid codec JSON: \(error)")
        }
    }
}

extension CodecParameters {
    /// Σ over positions of KL(exact ‖ decoded) of `targets` through this codec's top-k
    /// quantiser: what `cache stats` reports as the top-k quantisation error.
    public func topKQuantisationKL(_ targets: TopKTargets) -> Double {
        let decoded = try! TopKCodec.encode(targets, quantizer: topK).withUnsafeBytes {
            try TopKCodec.decode($0, quantizer: topK, expectedPositions: targets.positions)
        }
        return TopKCodec.quantisationKL(original: targets, decoded: decoded).reduce(0, +)
    }
}
