import Foundation
import CTKDCore
import CTKDTensor

extension LanguageModel {
    /// Loads a Hugging Face model directory (`config.json` + `model.safetensors`; F32, F16 or
    /// BF16 tensors). Names are mapped onto ctkd's fused layout, then checked strictly: a tensor
    /// with the wrong shape, an unknown tensor or a missing one is an error naming it.
    ///
    ///     let model = try LanguageModel.load(directory: "models/smollm2-135m-instruct")
    public static func load(directory: String, name: String = "model") throws -> LanguageModel {
        let (config, raw) = try ModelConfig.load(directory: directory)
        let model = try LanguageModel(config: config, name: name)
        model.sourceConfig = raw
        let path = directory + "/model.safetensors"
        guard FileIO.exists(path) else {
            let sharded = FileIO.exists(directory + "/model.safetensors.index.json")
            throw CTKDError(sharded ? "sharded checkpoints are not supported; merge the shards into model.safetensors"
                                    : "no model.safetensors in the model directory", file: path)
        }
        try model.importWeights(from: SafetensorsFile(path: path))
        return model
    }

    func importWeights(from file: SafetensorsFile) throws {
        let mappings = huggingFaceMappings()
        var byName = [String: Int]()
        for (index, mapping) in mappings.enumerated() { byName[mapping.name] = index }
        var used = [Bool](repeating: false, count: mappings.count)
        for name in file.entries.keys.sorted() {
            let entry = file.entries[name]!
            let resolved = byName[name] ?? byName["transformer." + name]
            guard let index = resolved else {
                if isNonParameterBuffer(name) || (config.tiedEmbeddings && name == "lm_head.weight") { continue }
                throw CTKDError("unexpected tensor for a \(config.architecture.rawValue) model", file: file.path, field: name)
            }
            let mapping = mappings[index]
            guard entry.shape == mapping.shape else {
                throw CTKDError("shape \(entry.shape), expected \(mapping.shape)", file: file.path, field: name)
            }
            let destination = parameters.values(of: mapping.destination).baseAddress! + mapping.offset
            if mapping.transposed {
                var staged = try file.floats(name)
                staged.withUnsafeMutableBufferPointer { mapping.copy(file: $0.baseAddress!, arena: destination, export: false) }
            } else {
                try file.read(name, into: destination)
            }
            used[index] = true
        }
        let missing = mappings.indices.filter { !used[$0] }.map { mappings[$0].name }
        if !missing.isEmpty {
            let shown = missing.prefix(5).joined(separator: ", ") + (missing.count > 5 ? ", … (\(missing.count) in all)" : "")
            throw CTKDError("missing tensors: \(shown)", file: file.path)
        }
    }

    func huggingFaceMappings() -> [TensorMapping] {
        switch config.architecture {
        case .gpt2: GPT2.tensorMappings(config)
        case .llama: Llama.tensorMappings(config)
        }
    }

    /// Writes `config.json` and `model.safetensors` (F32) in the layout transformers loads
    /// (`GPT2LMHeadModel` / `LlamaForCausalLM.from_pretrained(directory)`), atomically per file.
    /// Keys of the `config.json` the model was loaded from are kept unless ctkd sets them.
    public func save(directory: String) throws {
        try FileIO.createDirectory(directory)
        var writer = SafetensorsWriter()
        for (name, tensor) in huggingFaceTensors(of: parameters.values) {
            writer.add(name, shape: tensor.shape, values: tensor.values)
        }
        try writer.write(to: directory + "/model.safetensors", metadata: ["format": "pt"])
        var object = sourceConfig ?? [:]
        for (key, value) in config.huggingFaceConfig() { object[key] = value }
        object.removeValue(forKey: "torch_dtype")
        object.removeValue(forKey: "quantization_config")
        let json = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(Array(json) + [0x0A], to: directory + "/config.json")
    }
}

extension LanguageModel {
    /// Every tensor of `arena` (the values or the gradients) under its Hugging Face name and layout.
    func huggingFaceTensors(of arena: FloatBuffer) -> [String: (shape: [Int], values: [Float])] {
        var tensors = [String: (shape: [Int], values: [Float])]()
        for mapping in huggingFaceMappings() {
            let source = arena.pointer + parameters.tensor(mapping.destination)!.offset + mapping.offset
            var values = [Float](repeating: 0, count: mapping.count)
            values.withUnsafeMutableBufferPointer { mapping.copy(file: $0.baseAddress!, arena: source, export: true) }
            tensors[mapping.name] = (mapping.shape, values)
        }
        return tensors
    }
}
