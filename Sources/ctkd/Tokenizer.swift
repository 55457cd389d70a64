import ArgumentParser
import CTKDCore
import CTKDTokenizers

extension CTKD {
    /// `ctkd tokenizer train|encode|decode|import-gpt2`.
    struct TokenizerCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tokenizer",
            abstract: "Train, apply and convert BPE tokenizers (tokenizer.json, identical to HF tokenizers).",
            subcommands: [Train.self, Encode.self, Decode.self, ImportGPT2.self])
    }
}

extension TrainingRecipe: ExpressibleByArgument {}

extension CTKD.TokenizerCommand {
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Learn a BPE tokenizer from text files, with the merges HF's BpeTrainer learns.")

        @Option(name: .long, parsing: .upToNextOption, help: "UTF-8 text files to learn from.")
        var corpus: [String]
        @Option(name: .long, help: "Size of the vocabulary, special (and byte-fallback) tokens included.")
        var vocabSize: Int
        @Option(name: .long, help: "Where to write tokenizer.json.")
        var out: String
        @Option(name: .long, help: "Tokenizer family: \(TrainingRecipe.allCases.map(\.rawValue).joined(separator: ", ")).")
        var kind: TrainingRecipe = .byteLevel
        @Option(name: .long, help: "Pairs seen fewer times than this are never merged.")
        var minFrequency = 2
        @Option(name: .long, help: "A special token (repeatable; default: the family's usual ones).")
        var specialToken: [String] = []
        @Option(name: .long, help: "Keep at most this many alphabet characters (sentencepiece: 1000).")
        var limitAlphabet: Int?

        func validate() throws {
            guard !corpus.isEmpty else { throw ValidationError("give at least one --corpus file") }
            guard vocabSize > 0 else { throw ValidationError("--vocab-size must be positive") }
            guard minFrequency >= 0 else { throw ValidationError("--min-frequency must not be negative") }
        }

        func run() throws {
            let trainer = BPETrainer(recipe: kind, vocabularySize: vocabSize, minimumFrequency: minFrequency,
                                     specialTokens: specialToken.isEmpty ? nil : specialToken, limitAlphabet: limitAlphabet)
            let start = ContinuousClock.now
            var reporter: ProgressReporter?
            var stage = ""
            let tokenizer = try trainer.train(files: corpus) { name, done, total in
                if name != stage {
                    reporter?.finish()
                    stage = name
                    reporter = ProgressReporter(label: "train: \(name)", total: total, unit: name == "merges" ? "tokens" : "files")
                }
                reporter?.update(completed: done)
            }
            reporter?.finish()
            try tokenizer.save(to: out)
            let seconds = (ContinuousClock.now - start) / .seconds(1)
            print("wrote \(out): \(tokenizer.vocabularySize) tokens, \(tokenizer.model.mergeList.count) merges, "
                  + "\(String(format: "%.2f", seconds)) s")
        }
    }

    enum OffsetsStyle: String, ExpressibleByArgument, CaseIterable {
        /// Exact byte spans of each token (see `Encoding`).
        case exact
        /// HF tokenizers' offsets, in bytes: widened to whole characters, trimmed where HF trims.
        case huggingface
    }

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encode each line of a file; writes {\"ids\": [...], \"offsets\": [[start, end], ...]} per line.",
            discussion: """
                A line is the bytes before its "\\n" (a "\\r" stays part of it); offsets are half-open \
                byte spans into that line. Lines are encoded in parallel (CTKD_THREADS).
                """)

        @Option(name: .long, help: "tokenizer.json") var tokenizer: String
        @Option(name: .long, help: "Text file to encode, one document per line.") var input: String
        @Option(name: .long, help: "Output file (default: standard output).") var output: String?
        @Flag(name: .long, help: "Add the post-processor's special tokens (BOS/EOS).") var addSpecialTokens = false
        @Option(name: .long, help: "exact (default) or huggingface.") var offsets: OffsetsStyle = .exact

        func run() throws {
            let model = try CTKDTokenizers.Tokenizer(contentsOf: tokenizer)
            let bytes = try FileIO.read(input)
            var lines: [Range<Int>] = []
            var start = 0
            for (i, b) in bytes.enumerated() where b == 0x0A {
                lines.append(start..<i)
                start = i + 1
            }
            if start < bytes.count { lines.append(start..<bytes.count) }

            let writer = try output.map { try AtomicFileWriter(path: $0) }
            let progress = ProgressReporter(label: "encode", total: lines.count, unit: "lines")
            let block = 1 << 14
            var done = 0
            while done < lines.count {
                let batch = Array(lines[done..<min(done + block, lines.count)])
                let text = EncodingOutput.jsonLines(model, bytes, lines: batch, addSpecialTokens: addSpecialTokens,
                                                    huggingFaceOffsets: offsets == .huggingface)
                if let writer { try writer.write(text) } else { StandardOutput.write(text) }
                done += batch.count
                progress.update(completed: done)
            }
            try writer?.commit()
            if output != nil { progress.finish(completed: lines.count) }
        }
    }

    enum DecodeFormat: String, ExpressibleByArgument, CaseIterable {
        /// One JSON line {"text": ...} per input line.
        case json
        /// The decoded text of each line followed by a newline.
        case text
    }

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode ids: each input line is {\"ids\": [...]} (as `encode` writes) or a JSON list of ids.")

        @Option(name: .long, help: "tokenizer.json") var tokenizer: String
        @Option(name: .long, help: "JSON Lines file of ids.") var input: String
        @Option(name: .long, help: "Output file (default: standard output).") var output: String?
        @Flag(name: .long, help: "Keep special tokens in the text.") var keepSpecialTokens = false
        @Option(name: .long, help: "json (default) or text.") var format: DecodeFormat = .json

        func run() throws {
            let model = try CTKDTokenizers.Tokenizer(contentsOf: tokenizer)
            let writer = try output.map { try AtomicFileWriter(path: $0) }
            var out: [UInt8] = []
            try JSONLines.forEachLine(in: input) { _, bytes in
                let value = try JSONValue(parsing: Array(bytes))
                guard let list = (value["ids"] ?? value).arrayValue else {
                    throw CTKDError("expected {\"ids\": [...]} or a list of ids", field: "ids")
                }
                let ids = try list.enumerated().map { k, element -> Int in
                    guard let id = element.intValue, id >= 0, id < model.vocabularySize else {
                        throw CTKDError("not a token id of this tokenizer (0..<\(model.vocabularySize))", field: "ids[\(k)]")
                    }
                    return id
                }
                let text = model.decode(ids, skipSpecialTokens: !keepSpecialTokens)
                switch format {
                case .json: out += JSONWriter.serialize(.object([("text", .string(text))])); out.append(0x0A)
                case .text: out += Array(text.utf8); out.append(0x0A)
                }
                if out.count > 1 << 16 {
                    if let writer { try writer.write(out) } else { StandardOutput.write(out) }
                    out.removeAll(keepingCapacity: true)
                }
            }
            if let writer { try writer.write(out); try writer.commit() } else { StandardOutput.write(out) }
        }
    }

    struct ImportGPT2: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-gpt2", abstract: "Convert GPT-2's encoder.json + vocab.bpe to tokenizer.json.")

        @Option(name: .long, help: "encoder.json (token → id)") var encoder: String
        @Option(name: .long, help: "vocab.bpe (merges)") var merges: String
        @Option(name: .long, help: "Where to write tokenizer.json.") var out: String

        func run() throws {
            let tokenizer = try CTKDTokenizers.Tokenizer.gpt2(encoderPath: encoder, mergesPath: merges)
            try tokenizer.save(to: out)
            print("wrote \(out): \(tokenizer.vocabularySize) tokens, \(tokenizer.model.mergeList.count) merges")
        }
    }
}
