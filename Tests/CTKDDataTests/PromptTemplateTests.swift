import Testing
@testable import CTKDCore
@testable import CTKDData

@Suite struct PromptTemplateTests {
    @Test func builtInTemplatesRender() throws {
        let fields = ["context": "C.", "question": "Q?", "dialogue": "A: hi", "prompt": "P"]
        #expect(try PromptTemplate.qa.render { fields[$0] } == "Context: C.\nQuestion: Q?\nAnswer:")
        #expect(try PromptTemplate.dialogueSummary.render { fields[$0] } == "Dialogue:\nA: hi\nSummary:")
        #expect(try PromptTemplate.plain.render { fields[$0] } == "P")
        #expect(PromptTemplate.qa.response("  Oslo \n") == " Oslo")
        #expect(PromptTemplate.plain.response(" Oslo\n") == " Oslo\n")
    }

    @Test func resolveTakesNamesOrTexts() throws {
        #expect(try PromptTemplate.resolve("dialogue-summary") == .dialogueSummary)
        let custom = try PromptTemplate.resolve("Q: {question} {{literal}} A:")
        #expect(custom.name == "custom")
        #expect(try custom.placeholders() == ["question"])
        #expect(try custom.render { _ in "why" } == "Q: why {literal} A:")
        let unknown = #expect(throws: CTKDError.self) { try PromptTemplate.resolve("squad") }
        #expect(unknown?.message == "unknown template \"squad\"; use one of qa, dialogue-summary, plain, or a text with {field} placeholders")
        let unclosed = #expect(throws: CTKDError.self) { try PromptTemplate.resolve("Q: {question") }
        #expect(unclosed?.message == "template \"custom\": unclosed \"{\"")
        let stray = #expect(throws: CTKDError.self) { try PromptTemplate(text: "{a} }").placeholders() }
        #expect(stray?.message == "template \"custom\": unmatched \"}\" (write \"}}\" for a brace)")
    }

    @Test func jsonTextEscapesLikeJSON() {
        #expect(JSONText.quoted("a\"b\\c\nd\te\u{01}/é😀") == "\"a\\\"b\\\\c\\nd\\te\\u0001/é😀\"")
    }
}
