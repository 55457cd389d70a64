import ArgumentParser
import CTKDCore

/// A comma-separated list of token ids on the command line (`--ids 1,2,3`).
struct TokenIds: ExpressibleByArgument, Sendable {
    var ids: [Int32]

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        var ids = [Int32]()
        for part in parts {
            guard let id = Int32(part.trimmingCharacters(in: .whitespaces)), id >= 0 else { return nil }
            ids.append(id)
        }
        guard !ids.isEmpty else { return nil }
        self.ids = ids
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// JSON numbers for floats: the shortest text that reads back as the same Float32 (null for NaN/inf).
func jsonNumber(_ value: Float) -> String { value.isFinite ? "\(value)" : "null" }

func jsonArray(_ values: some Sequence<Float>) -> String { "[" + values.map(jsonNumber).joined(separator: ", ") + "]" }

func jsonArray(_ values: some Sequence<Int32>) -> String { "[" + values.map { "\($0)" }.joined(separator: ", ") + "]" }

import Foundation
