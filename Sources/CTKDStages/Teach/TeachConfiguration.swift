import Foundation
import CTKDCache

/// What `ctkd teach` runs: data, output, targets, beam, shard, generation.
public struct TeachConfiguration: Sendable {
    public enum Responses: String, Sendable, CaseIterable { case data, teacher }

    public struct Generation: Sendable, Equatable, Codable {
        public var maxNewTokens: Int = 128
        /// 0: greedy.
        public var temperature: Double = 0
        public var seed: UInt64 = 0
        public init(maxNewTokens: Int = 128, temperature: Double = 0, seed: UInt64 = 0) {
            self.maxNewTokens = maxNewTokens
            self.temperature = temperature
            self.seed = seed
        }
    }

    public var dataPath: String
    public var outputDirectory: String
    public var topK = 64
    /// N sampled targets per position (0: none).
    public var sampledCount = 0
    public var sampleSeed: UInt64 = 0
    public var byteDistributions = false
    public var beam = ByteBeamSettings()
    public var shard = ShardName(index: 0, count: 1)
    /// Examples per prefill and per committed transaction.
    public var batchSize = 8
    /// `{prompt}` is replaced by the example's prompt.
    public var promptTemplate = "{prompt}"
    public var responses = Responses.data
    public var generation = Generation()
    public var codec = CodecParameters()
    /// With `--byte-dist --beam-mode single-pass`, every n-th example also runs the beam so that
    /// `cache stats` can report the single-pass error.
    public var singlePassAuditInterval = 32

    public init(dataPath: String, outputDirectory: String) {
        self.dataPath = dataPath
        self.outputDirectory = outputDirectory
    }

    public func prompt(_ text: String) -> String { promptTemplate.replacingOccurrences(of: "{prompt}", with: text) }
}
