import Foundation
import CTKDCore
import CTKDTensor

/// A training checkpoint: any number of parameter sets, the AdamW state of each optimizer, and
/// arbitrary JSON state (step, data cursor, RNG, …), in one `.safetensors` file written atomically
/// (a kill at any moment leaves the previous checkpoint or the new one, never a mix).
///
/// Tensors are named `<set>/<tensor>` for values and `<set>/<tensor>#adam_m`, `#adam_v` for the
/// optimizer's moments; the JSON goes into the header's metadata (`ctkd.state`, `ctkd.optimizers`).
///
///     try Checkpoint.save(to: "run/checkpoint.safetensors", parameterSets: [student.parameters, head],
///                         optimizers: ["student0": optimizer], state: MyState(step: 10, cursor: …))
///     let state = try Checkpoint.load(from: path, parameterSets: […], optimizers: […], as: MyState.self)
public enum Checkpoint {
    static let formatKey = "ctkd.format"
    static let format = "ctkd-checkpoint-1"

    struct OptimizerState: Codable {
        var step: Int
        var config: AdamWConfig
        var sets: [String]
    }

    public static func save<State: Encodable>(
        to path: String, parameterSets: [ParameterSet], optimizers: [String: AdamW], state: State
    ) throws {
        var writer = SafetensorsWriter()
        var seen = Set<String>()
        for set in parameterSets {
            guard seen.insert(set.name).inserted else { throw CTKDError("two parameter sets are named \(set.name)") }
            for tensor in set.tensors {
                writer.add("\(set.name)/\(tensor.name)", shape: tensor.shape,
                           borrowing: UnsafeBufferPointer(set.values.view(tensor.offset, tensor.count)))
            }
        }
        var optimizerStates = [String: OptimizerState]()
        for (name, optimizer) in optimizers {
            for (set, moment) in zip(optimizer.parameterSets, optimizer.moments) {
                guard seen.contains(set.name) else {
                    throw CTKDError("optimizer \(name) updates \(set.name), which the checkpoint does not hold")
                }
                for tensor in set.tensors {
                    writer.add("\(set.name)/\(tensor.name)#adam_m", shape: tensor.shape,
                               borrowing: UnsafeBufferPointer(start: moment.pointer + tensor.offset, count: tensor.count))
                    writer.add("\(set.name)/\(tensor.name)#adam_v", shape: tensor.shape,
                               borrowing: UnsafeBufferPointer(start: moment.pointer + set.values.count + tensor.offset, count: tensor.count))
                }
            }
            optimizerStates[name] = OptimizerState(step: optimizer.step, config: optimizer.config,
                                                   sets: optimizer.parameterSets.map(\.name))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try writer.write(to: path, metadata: [
            formatKey: format,
            "ctkd.state": String(decoding: try encoder.encode(state), as: UTF8.self),
            "ctkd.optimizers": String(decoding: try encoder.encode(optimizerStates), as: UTF8.self),
        ])
    }

    /// Restores the sets' values and the optimizers' moments and steps, and returns the state.
    /// Every tensor must be present with its shape: a checkpoint of a different model is an error.
    public static func load<State: Decodable>(
        from path: String, parameterSets: [ParameterSet], optimizers: [String: AdamW], as type: State.Type
    ) throws -> State {
        let file = try SafetensorsFile(path: path)
        guard file.metadata[formatKey] == format else { throw CTKDError("not a ctkd checkpoint", file: path) }
        func restore(_ name: String, shape: [Int], into destination: UnsafeMutablePointer<Float>) throws {
            guard let entry = file.entries[name] else { throw CTKDError("missing tensor", file: path, field: name) }
            guard entry.shape == shape else {
                throw CTKDError("shape \(entry.shape), expected \(shape): the checkpoint belongs to a different model",
                                file: path, field: name)
            }
            try file.read(name, into: destination)
        }
        for set in parameterSets {
            for tensor in set.tensors {
                try restore("\(set.name)/\(tensor.name)", shape: tensor.shape, into: set.values.pointer + tensor.offset)
            }
        }
        let decoder = JSONDecoder()
        let optimizerStates = try decoder.decode([String: OptimizerState].self,
                                                 from: Data((file.metadata["ctkd.optimizers"] ?? "{}").utf8))
        for (name, optimizer) in optimizers {
            guard let saved = optimizerStates[name] else { throw CTKDError("no state for optimizer \(name)", file: path) }
            guard saved.sets == optimizer.parameterSets.map(\.name) else {
                throw CTKDError("optimizer \(name) updated \(saved.sets), now \(optimizer.parameterSets.map(\.name))", file: path)
            }
            for (set, moment) in zip(optimizer.parameterSets, optimizer.moments) {
                for tensor in set.tensors {
                    try restore("\(set.name)/\(tensor.name)#adam_m", shape: tensor.shape, into: moment.pointer + tensor.offset)
                    try restore("\(set.name)/\(tensor.name)#adam_v", shape: tensor.shape,
                                into: moment.pointer + set.values.count + tensor.offset)
                }
            }
            optimizer.step = saved.step
            optimizer.config = saved.config
        }
        do {
            return try decoder.decode(State.self, from: Data((file.metadata["ctkd.state"] ?? "null").utf8))
        } catch let error as DecodingError {
            throw JSONLines.describe(error).located(file: path)
        }
    }
}
