import CTKDTestSupport
import Testing
@testable import CTKDCore
@testable import CTKDData

@Suite struct AdapterTests {
    func write(_ text: String, name: String = "input.jsonl") throws -> String {
        let path = try TestSupport.temporaryDirectory("ctkd-data") + "/" + name
        try AtomicFile.write(text, to: path)
        return path
    }

    func importFile(_ path: String, _ options: ImportOptions) throws -> [DatasetExample] {
        try DatasetImporter.importFile(path, options: options).examples
    }

    @Test func squadSliceMatchesThePythonReferenceByteForByte() throws {
        let examples = try importFile(TestSupport.fixture("data/squad-dev-v1.1.slice.json"), ImportOptions(format: .squad))
        let out = try TestSupport.temporaryDirectory("ctkd-data") + "/squad.jsonl"
        try DatasetFile.write(examples, to: out)
        let expected = try FileIO.read(TestSupport.fixture("data/squad-dev-v1.1.slice.expected.jsonl"))
        #expect(try FileIO.read(out) == expected)
        #expect(examples.count == 44)
    }

    @Test func squadReferencesKeepDuplicatesAndOrder() throws {
        let examples = try importFile(TestSupport.fixture("data/squad-dev-v1.1.slice.json"), ImportOptions(format: .squad))
        let first = try #require(examples.first)
        #expect(first.id == "56be4db0acb8001400a502ec")
        #expect(first.references == ["Denver Broncos", "Denver Broncos", "Denver Broncos"])
        #expect(first.response == " Denver Broncos")
        #expect(first.task == .qa)
        let varied = try #require(examples.first { $0.id == "56be4db0acb8001400a502ee" })
        #expect(varied.references == ["Santa Clara, California", "Levi's Stadium",
                                      "Levi's Stadium in the San Francisco Bay Area at Santa Clara, California."])
        #expect(varied.response == " Santa Clara, California")
        #expect(varied.prompt.hasSuffix("\nQuestion: Where did Super Bowl 50 take place?\nAnswer:"))
    }

    @Test func squadV2UnanswerableQuestionsAreSkippedWithANote() throws {
        let path = try write("""
            {"version": "v2.0", "data": [{"title": "T", "paragraphs": [{"context": "Oslo is in Norway.",
             "qas": [{"id": "a", "question": "Where is Oslo?", "answers": [{"text": "Norway", "answer_start": 11}]},
                     {"id": "b", "question": "Where is Rome?", "answers": [], "is_impossible": true}]}]}]}
            """, name: "v2.json")
        let result = try DatasetImporter.importFile(path, options: ImportOptions(format: .squad))
        #expect(result.examples.map(\.id) == ["a"])
        #expect(result.notes == ["skipped 1 unanswerable questions"])
    }

    @Test func squadStructureErrorsNameTheField() throws {
        let path = try write("""
            {"data": [{"title": "T", "paragraphs": [{"context": "c", "qas": [{"id": "a", "question": "q", "answers": [{"answer_start": 0}]}]}]}]}
            """, name: "bad.json")
        let error = #expect(throws: CTKDError.self) { try importFile(path, ImportOptions(format: .squad)) }
        #expect(error?.description == "\(path): field \"data[0].paragraphs[0].qas[0].answers[0].text\": missing field")
    }

    @Test func dialogSumDevStyleUsesSummary() throws {
        let examples = try importFile(TestSupport.fixture("data/dialogsum-synthetic.dev.jsonl"), ImportOptions(format: .dialogsum))
        #expect(examples.map(\.id) == ["dev_0", "dev_1", "dev_2"])
        #expect(examples[0].prompt == """
            Dialogue:
            #Person1#: Good morning, can I help you?
            #Person2#: Yes, I'd like to return these shoes. They are too small.
            #Person1#: Do you have the receipt?
            #Person2#: Here it is.
            Summary:
            """)
        // The response is trimmed; the reference is the summary exactly as given.
        #expect(examples[0].response == " #Person2# returns a pair of shoes that are too small and shows the receipt.")
        #expect(examples[0].references == ["#Person2# returns a pair of shoes that are too small and shows the receipt. "])
        #expect(examples[2].references == ["#Person2# tells #Person1# the way to the \"train station\"."])
        #expect(examples.allSatisfy { $0.task == .summary })
    }

    @Test func dialogSumTestStyleUsesAllNumberedSummariesInOrder() throws {
        let examples = try importFile(TestSupport.fixture("data/dialogsum-synthetic.test.jsonl"), ImportOptions(format: .dialogsum))
        #expect(examples.count == 2)
        #expect(examples[1].references == ["#Person2# hasn't fed the cat yet.", "#Person1# reminds #Person2# to feed the cat.",
                                           "#Person2# will feed the cat now."])
        #expect(examples[1].response == " #Person2# hasn't fed the cat yet.")
        let withTopic = PromptTemplate(text: "[{topic}] {dialogue}\nSummary:")
        let topical = try importFile(TestSupport.fixture("data/dialogsum-synthetic.test.jsonl"),
                                     ImportOptions(format: .dialogsum, template: withTopic))
        #expect(topical[0].prompt.hasPrefix("[shopping] #Person1#: How much"))
    }

    @Test func dialogSumWithoutSummaryNamesLineAndField() throws {
        let path = try write("{\"fname\": \"a\", \"dialogue\": \"x\", \"summary\": \"s\"}\n{\"fname\": \"b\", \"dialogue\": \"y\"}\n")
        let error = #expect(throws: CTKDError.self) { try importFile(path, ImportOptions(format: .dialogsum)) }
        #expect(error?.description == "\(path):2: field \"summary\": missing field (expected \"summary\" or \"summary1\")")
    }

    @Test func jsonlMapsNestedFieldsListsAndTemplates() throws {
        let path = try write("""
            {"qid": 7, "ctx": {"text": "Oslo is cold."}, "q": "Is Oslo cold?", "answers": {"text": ["yes", "yes it is"]}}
            {"qid": 8, "ctx": {"text": "Rome is warm."}, "q": "Is Rome cold?", "answers": {"text": "no"}, "kind": "qa"}
            """)
        let fields = FieldMapping(id: "qid", response: "answers.text", references: "answers.text", task: "kind")
        let template = PromptTemplate(text: "{ctx.text} Q: {q} A:")
        let examples = try importFile(path, ImportOptions(format: .jsonl, template: template, fields: fields))
        #expect(examples == [
            DatasetExample(id: "7", prompt: "Oslo is cold. Q: Is Oslo cold? A:", response: " yes",
                           references: ["yes", "yes it is"]),
            DatasetExample(id: "8", prompt: "Rome is warm. Q: Is Rome cold? A:", response: " no",
                           references: ["no"], task: .qa),
        ])
    }

    @Test func jsonlPlainTemplateKeepsNormalisedRecordsAsTheyAre() throws {
        let line = DatasetFile.jsonLine(DatasetExample(id: "x", prompt: "P:", response: " r", references: ["r", "R"], task: .summary))
        let path = try write(line + "{\"id\":\"y\",\"prompt\":\"only a prompt\"}\n")
        let examples = try importFile(path, ImportOptions(format: .jsonl))
        #expect(examples == [DatasetExample(id: "x", prompt: "P:", response: " r", references: ["r", "R"], task: .summary),
                             DatasetExample(id: "y", prompt: "only a prompt")])
    }

    @Test func jsonlIdsAndErrors() throws {
        let path = try write("{\"prompt\": \"a\", \"response\": \"b\"}\n\n{\"prompt\": \"c\"}\n")
        let missing = #expect(throws: CTKDError.self) { try importFile(path, ImportOptions(format: .jsonl)) }
        #expect(missing?.description == "\(path):1: field \"id\": missing field (or let ids come from line numbers)")
        let numbered = try importFile(path, ImportOptions(format: .jsonl, fields: FieldMapping(idsFromLines: true)))
        #expect(numbered.map(\.id) == ["line-1", "line-3"])
        #expect(numbered[0].references == ["b"])

        let badTask = try write("{\"id\": \"a\", \"prompt\": \"p\", \"task\": \"translation\"}\n")
        let taskError = #expect(throws: CTKDError.self) { try importFile(badTask, ImportOptions(format: .jsonl)) }
        #expect(taskError?.description == "\(badTask):1: field \"task\": expected one of qa, summary")

        let badReferences = try write("{\"id\": \"a\", \"prompt\": \"p\", \"references\": [\"x\", 3]}\n")
        let referencesError = #expect(throws: CTKDError.self) { try importFile(badReferences, ImportOptions(format: .jsonl)) }
        #expect(referencesError?.description == "\(badReferences):1: field \"references[1]\": expected a string")

        let missingPlaceholder = try write("{\"id\": \"a\", \"question\": \"q\"}\n")
        let placeholderError = #expect(throws: CTKDError.self) {
            try importFile(missingPlaceholder, ImportOptions(format: .jsonl, template: .qa))
        }
        #expect(placeholderError?.description == "\(missingPlaceholder):1: field \"context\": missing field (template \"qa\" needs it)")
    }

    @Test func duplicateIdsAreRefused() throws {
        let path = try write("{\"id\": \"a\", \"prompt\": \"p\"}\n{\"id\": \"a\", \"prompt\": \"q\"}\n")
        let error = #expect(throws: CTKDError.self) { try importFile(path, ImportOptions(format: .jsonl)) }
        #expect(error?.description == "\(path): duplicate example id \"a\"")
    }

    @Test func taskOptionOverridesTheAdapters() throws {
        let examples = try importFile(TestSupport.fixture("data/dialogsum-synthetic.dev.jsonl"),
                                      ImportOptions(format: .dialogsum, task: .qa))
        #expect(examples.allSatisfy { $0.task == .qa })
    }
}
