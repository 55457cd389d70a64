import ArgumentParser
import CTKDCore
import CTKDData

extension CTKD.DataCommand {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert a SQuAD, DialogSum or generic JSON Lines file to the normalised format.",
            discussion: """
                squad: one example per question; response = the first answer, references = all \
                answers (duplicates kept, in order). dialogsum: one per dialogue; response = \
                summary (or summary1), references = summary, summary1, summary2, ... jsonl: fields \
                mapped by the --*-field options (dotted paths reach into nested objects).
                Templates: qa ("Context: {context}\\nQuestion: {question}\\nAnswer:"), \
                dialogue-summary ("Dialogue:\\n{dialogue}\\nSummary:"), plain ("{prompt}"), or \
                any text with {field} placeholders.
                """)

        @Option(help: "The source format.")
        var format: DatasetFormat

        @Argument(help: "The source file.")
        var input: String

        @Option(help: "The normalised JSON Lines file to write.")
        var out: String

        @Option(help: "A template name or a template text with {field} placeholders; \\n and \\t in it are a newline and a tab (default: the format's).")
        var template: String?

        @Option(help: "The separator written before every response (default: the template's; \" \" for qa and dialogue-summary).")
        var responsePrefix: String?

        @Option(help: "Set every example's task (qa: EM/F1, summary: ROUGE).")
        var task: DatasetTask?

        @Option(help: "Keep a deterministic random sample of this many examples (by id hash).")
        var sample: Int?

        @Option(help: "Salt of the id hash used by --sample.")
        var salt = DatasetSplitter.defaultSalt

        @OptionGroup(title: "Generic JSON Lines fields")
        var fields: FieldOptions

        mutating func validate() throws {
            if let sample, sample < 1 { throw ValidationError("--sample must be at least 1") }
        }

        /// `\n`, `\t` and `\\` typed in a shell argument, as the characters they name.
        static func unescape(_ text: String) -> String {
            var out = ""
            var escaped = false
            for character in text {
                if escaped {
                    switch character {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "\\": out.append("\\")
                    default: out += "\\" + String(character)
                    }
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else {
                    out.append(character)
                }
            }
            return escaped ? out + "\\" : out
        }

        func run() throws {
            var template = try template.map { try PromptTemplate.resolve(Self.unescape($0)) }
            if let responsePrefix {
                template = template ?? format.defaultTemplate
                template?.responsePrefix = responsePrefix
            }
            let options = ImportOptions(format: format, template: template, task: task, fields: fields.mapping)
            let result = try DatasetImporter.importFile(input, options: options)
            var examples = result.examples
            if let sample { examples = DatasetSplitter.sample(examples, count: sample, salt: salt) }
            try DatasetFile.write(examples, to: out)
            for note in result.notes { StandardError.line("note: \(note)") }
            print(DatasetStatistics(examples).report("wrote \(out)"))
        }
    }

    struct FieldOptions: ParsableArguments {
        @Option(help: "jsonl: the id field.")
        var idField = "id"
        @Option(help: "jsonl: the field behind the plain template's {prompt}.")
        var promptField = "prompt"
        @Option(help: "jsonl: the response field (a string, or a list whose first element is used).")
        var responseField = "response"
        @Option(help: "jsonl: the references field (a string or a list); default: the response.")
        var referencesField = "references"
        @Option(help: "jsonl: the task field (qa or summary), if records carry one.")
        var taskField = "task"
        @Flag(help: "jsonl: give records without an id field the id line-<N>.")
        var idsFromLines = false

        var mapping: FieldMapping {
            FieldMapping(id: idField, prompt: promptField, response: responseField,
                         references: referencesField, task: taskField, idsFromLines: idsFromLines)
        }
    }
}
