import Foundation
import CTKDCore

/// `ctkd cache stats`: sizes by part and the measured approximation errors of a cache.
public struct CacheStatistics: Sendable, Equatable {
    public var examples = 0
    public var positions = 0
    public var responseBytes = 0
    /// Stored (compressed) bytes per part, summed over examples.
    public var storedBytes: [String: Int] = ["tokens": 0, "top_k": 0, "sampled": 0, "byte_dist": 0]
    public var fileBytes = 0
    public var topKKL = 0.0
    public var tailMass = 0.0
    public var byteKL = 0.0
    public var beamKL = 0.0
    public var beamMeasuredOffsets = 0
    public var beamEvaluations = 0
    /// Decoded positions per CPU second on one core, every stored part / tokens + top-k only
    /// (measured with `--decode-speed`, NaN otherwise).
    public var decodeSpeed = Double.nan
    public var decodeSpeedTopK = Double.nan
    /// Top-k blobs already in memory, decoded per CPU second: the codec without the reader.
    public var decodeSpeedTopKCodec = Double.nan

    public static func compute(directory: String) throws -> CacheStatistics {
        let reader = try CacheReader(directory: directory)
        var statistics = CacheStatistics()
        try reader.forEachRow { row, _ in
            statistics.examples += 1
            statistics.positions += row.positions
            statistics.responseBytes += row.responseBytes
            statistics.storedBytes["tokens", default: 0] += row.tokens.count
            statistics.storedBytes["top_k", default: 0] += row.topK?.count ?? 0
            statistics.storedBytes["sampled", default: 0] += row.sampled?.count ?? 0
            statistics.storedBytes["byte_dist", default: 0] += row.bytes?.count ?? 0
            statistics.topKKL += row.statistics.topKKL
            statistics.tailMass += row.statistics.tailMass
            statistics.byteKL += row.statistics.byteKL
            if let beamKL = row.statistics.beamKL {
                statistics.beamKL += beamKL
                statistics.beamMeasuredOffsets += row.responseBytes + 1
            }
            statistics.beamEvaluations += row.statistics.beamEvaluations
        }
        for file in try FileIO.list(directory) where ShardName(fileName: file) != nil {
            statistics.fileBytes += try FileIO.size(directory + "/" + file)
        }
        return statistics
    }

    /// Decoded positions per CPU second of this thread: reading rows without copying, verifying
    /// checksums and decoding `parts` (tokens always) into records, as a student's reader does;
    /// the best of `passes` passes after one warm-up pass (the file then sits in the page cache).
    /// Thread CPU time, not wall time: on a shared machine the wall clock also counts the time
    /// other processes hold the core.
    public static func decodeSpeed(directory: String, parts: CacheParts, passes: Int = 3) throws -> Double {
        let reader = try CacheReader(directory: directory)
        var best = Double.infinity, positions = 0
        for pass in 0...passes {
            positions = 0
            let start = threadCPUSeconds()
            try reader.forEachRecord(parts: parts) { positions += $0.positions }
            let seconds = threadCPUSeconds() - start
            if pass > 0 { best = min(best, seconds) }
        }
        return Double(positions) / best
    }

    /// Top-k blobs decoded per CPU second with the rows already in memory: the codec alone.
    public static func topKCodecSpeed(directory: String, passes: Int = 5) throws -> Double {
        let reader = try CacheReader(directory: directory)
        var blobs = [(ShardName, [UInt8], Int)]()
        try reader.forEachRow { row, name in if let blob = row.topK { blobs.append((name, Array(blob), row.positions)) } }
        var best = Double.infinity, positions = 0
        for pass in 0...passes {
            positions = 0
            let start = threadCPUSeconds()
            for (name, blob, count) in blobs {
                let targets = try blob.withUnsafeBytes { try TopKCodec.decode($0, codec: reader.codecs[name]!.codec, expectedPositions: count) }
                positions += targets.positions
            }
            let seconds = threadCPUSeconds() - start
            if pass > 0 { best = min(best, seconds) }
        }
        return Double(positions) / best
    }

    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    func perPosition(_ value: Double) -> Double { positions > 0 ? value / Double(positions) : 0 }
    func perOffset(_ value: Double) -> Double { responseBytes + examples > 0 ? value / Double(responseBytes + examples) : 0 }

    /// The figures as one flat JSON-ready dictionary (names are stable: bench and tests read them).
    public var summary: [(String, Double)] {
        [("examples", Double(examples)), ("positions", Double(positions)), ("response_bytes", Double(responseBytes)),
         ("bytes_per_position_tokens", perPosition(Double(storedBytes["tokens"]!))),
         ("bytes_per_position_top_k", perPosition(Double(storedBytes["top_k"]!))),
         ("bytes_per_position_sampled", perPosition(Double(storedBytes["sampled"]!))),
         ("bytes_per_position_byte_dist", perPosition(Double(storedBytes["byte_dist"]!))),
         ("bytes_per_byte_offset_byte_dist", perOffset(Double(storedBytes["byte_dist"]!))),
         ("file_bytes_per_position", perPosition(Double(fileBytes))),
         ("mean_tail_mass", perPosition(tailMass)),
         ("top_k_quantisation_kl_per_position", perPosition(topKKL)),
         ("byte_dist_reconstruction_kl_per_offset", perOffset(byteKL)),
         ("single_pass_kl_vs_beam_per_offset", beamMeasuredOffsets > 0 ? beamKL / Double(beamMeasuredOffsets) : .nan),
         ("beam_evaluations_per_response_byte", responseBytes > 0 ? Double(beamEvaluations) / Double(responseBytes) : 0),
         ("decode_positions_per_second", decodeSpeed),
         ("decode_top_k_positions_per_second", decodeSpeedTopK),
         ("decode_top_k_codec_positions_per_second", decodeSpeedTopKCodec)]
    }

    public var json: String {
        "{" + summary.map { "\"\($0.0)\": \($0.1.isFinite ? String($0.1) : "null")" }.joined(separator: ", ") + "}"
    }

    public var text: String {
        summary.map { name, value in
            let shown = value.isNaN ? "not measured" : (value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%.6g", value))
            return name.padding(toLength: 40, withPad: " ", startingAt: 0) + shown
        }.joined(separator: "\n")
    }
}

import Foundation
