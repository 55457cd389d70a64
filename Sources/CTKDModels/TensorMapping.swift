/// How one tensor of a Hugging Face checkpoint maps onto ctkd's parameter arena: a contiguous
/// region of an internal tensor, possibly transposed (GPT-2's `Conv1D` stores [in, out]).
struct TensorMapping: Sendable {
    /// The name in `model.safetensors`.
    let name: String
    /// The shape in `model.safetensors`.
    let shape: [Int]
    /// The internal tensor (`ModelLayout.Name`).
    let destination: String
    /// Elements into the internal tensor where the region starts.
    let offset: Int
    /// Stored [in, out]; the internal region is [out, in].
    let transposed: Bool

    init(_ name: String, _ shape: [Int], _ destination: String, offset: Int = 0, transposed: Bool = false) {
        self.name = name
        self.shape = shape
        self.destination = destination
        self.offset = offset
        self.transposed = transposed
    }

    var count: Int { shape.reduce(1, *) }

    /// Copies `count` values from the file's layout into the internal region (or back with `export`).
    func copy(file: UnsafeMutablePointer<Float>, arena: UnsafeMutablePointer<Float>, export: Bool) {
        guard transposed else {
            if export { file.update(from: arena, count: count) } else { arena.update(from: file, count: count) }
            return
        }
        let (inputs, outputs) = (shape[0], shape[1])
        for i in 0..<inputs {
            for o in 0..<outputs {
                if export { file[i * outputs + o] = arena[o * inputs + i] } else { arena[o * inputs + i] = file[i * outputs + o] }
            }
        }
    }
}

/// Names in Hugging Face checkpoints that hold no parameters (attention masks, cached RoPE
/// frequencies saved by older versions) and are skipped when loading.
func isNonParameterBuffer(_ name: String) -> Bool {
    name.hasSuffix(".attn.bias") || name.hasSuffix(".attn.masked_bias") || name.hasSuffix("rotary_emb.inv_freq")
}
