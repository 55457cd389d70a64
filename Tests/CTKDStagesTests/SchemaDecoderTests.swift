import Testing
@testable import CTKDCore
@testable import CTKDStages

@Suite struct SchemaHelperTests {
    @Test func editDistanceAndSuggestions() {
        #expect(SchemaDecoder.editDistance(Array("weigth"), Array("weight")) == 2)
        #expect(SchemaDecoder.editDistance(Array(""), Array("abc")) == 3)
        #expect(SchemaDecoder.editDistance(Array("abc"), Array("")) == 3)
        #expect(SchemaDecoder.closest(to: "lose", in: ["loss", "model"]) == "loss")
        #expect(SchemaDecoder.closest(to: "zzzzzz", in: ["loss", "model"]) == nil)
    }

    @Test func variableSubstitution() throws {
        let environment = ["A": "x", "EMPTY": ""]
        #expect(try VariableSubstitution.apply(to: "${A}/${B:-d}/${EMPTY:-e}/$$/$5", environment: environment) == "x/d/e/$/$5")
        #expect(throws: CTKDError("unclosed \"${\" in \"${A\"")) { try VariableSubstitution.apply(to: "${A", environment: environment) }
        #expect(throws: CTKDError("\"${A B}\" is not a variable name")) { try VariableSubstitution.apply(to: "${A B}", environment: environment) }
    }

    @Test func pathsResolveAgainstTheFileDirectory() {
        let location = SourceLocation(file: "", line: nil, keyPath: "")
        #expect(PathValue("../data/x.json", at: location).resolved(relativeTo: "/r/pipelines", home: "/h") == "/r/data/x.json")
        #expect(PathValue("~/x", at: location).resolved(relativeTo: "/r", home: "/h") == "/h/x")
        #expect(PathValue("/abs/./y", at: location).resolved(relativeTo: "/r", home: nil) == "/abs/y")
    }
}
