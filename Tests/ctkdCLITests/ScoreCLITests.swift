import Foundation
import Testing
import CTKDCore
import CTKDTestSupport

/// `ctkd score` end to end: results, files, and every kind of bad input (message and exit code).
@Suite struct ScoreCLITests {
    static let metricsFixtures = TestSupport.fixture("metrics")

    /// A directory with `input.jsonl` holding `lines`, and output files that already exist (so
    /// that a failed run can be seen to leave them untouched).
    struct Workspace {
        let directory: String
        var input: String { directory + "/input.jsonl" }
        var perExample: String { directory + "/per-example.jsonl" }
        var corpus: String { directory + "/corpus.json" }

        init(_ lines: [UInt8]) throws {
            directory = try TestSupport.temporaryDirectory("ctkd-score")
            try AtomicFile.write(lines, to: input)
            try AtomicFile.write("old per-example\n", to: perExample)
            try AtomicFile.write("old corpus\n", to: corpus)
        }

        init(_ text: String) throws { try self.init(Array(text.utf8)) }

        func score(_ extra: [String] = []) throws -> TestSupport.ProcessResult {
            try TestSupport.runCTKD(["score", input, "--per-example", perExample, "--json", corpus] + extra)
        }

        /// The outputs still hold what they held before, and no temporary file is left over.
        func expectUntouched() throws {
            #expect(try FileIO.readText(perExample) == "old per-example\n")
            #expect(try FileIO.readText(corpus) == "old corpus\n")
            #expect(try FileIO.list(directory).sorted() == ["corpus.json", "input.jsonl", "per-example.jsonl"])
        }
    }

    static let good = #"{"id": "a", "prediction": "Denver Broncos", "references": ["Denver Broncos"]}"#

    // MARK: - Bad input

    @Test func malformedLine() throws {
        let workspace = try Workspace(Self.good + "\n{\"id\": \"b\", \"prediction\": \"x\",\n")
        let result = try workspace.score()
        #expect(result.exitCode == 1)
        #expect(result.stderr.hasPrefix("error: \(workspace.input):2: malformed JSON: "))
        try workspace.expectUntouched()
    }

    @Test func missingField() throws {
        let workspace = try Workspace(Self.good + "\n" + #"{"id": "b", "references": ["x"]}"# + "\n")
        let result = try workspace.score()
        #expect(result.exitCode == 1)
        #expect(result.stderr == "error: \(workspace.input):2: field \"prediction\": missing field\n")
        try workspace.expectUntouched()
    }

    @Test func wrongTypes() throws {
        let workspace = try Workspace(#"{"id": "a", "prediction": "x", "references": ["y", 3]}"# + "\n")
        let result = try workspace.score()
        #expect(result.exitCode == 1)
        #expect(result.stderr == "error: \(workspace.input):1: field \"references[1]\": expected a string, found a number\n")
        try workspace.expectUntouched()

        let other = try Workspace(#"{"id": "a", "prediction": null, "references": "y"}"# + "\n")
        let nullResult = try other.score()
        #expect(nullResult.exitCode == 1)
        #expect(nullResult.stderr == "error: \(other.input):1: field \"prediction\": expected a string, found null\n")
    }

    @Test func emptyReferenceList() throws {
        let workspace = try Workspace(Self.good + "\n\n" + #"{"id": "b", "prediction": "x", "references": []}"# + "\n")
        let result = try workspace.score()
        #expect(result.exitCode == 1)
        #expect(result.stderr == "error: \(workspace.input):3: field \"references\": empty list: at least one reference is needed\n")
        try workspace.expectUntouched()
    }

    @Test func invalidUTF8() throws {
        let bad = Array(#"{"id": "b", "prediction": "caf"#.utf8) + [0xC3, 0x28] + Array(#"", "references": ["x"]}"#.utf8)
        let workspace = try Workspace(Array((Self.good + "\n").utf8) + bad + [0x0A])
        let result = try workspace.score()
        #expect(result.exitCode == 1)
        #expect(result.stderr == "error: \(workspace.input):2: invalid UTF-8 at byte 30 of the line\n")
        try workspace.expectUntouched()
    }

    @Test func duplicateIDs() throws {
        let workspace = try Workspace([Self.good, #"{"id": "b", "prediction": "x", "references": "x"}"#, Self.good].joined(separator: "\n"))
        let result = try workspace.score()
        #expect(result.exitCode == 1)
        #expect(result.stderr == "error: \(workspace.input):3: duplicate id \"a\" (first on line 1)\n")
        try workspace.expectUntouched()
    }

    @Test func emptyFileAndMissingFile() throws {
        let workspace = try Workspace("\n\n")
        let result = try workspace.score()
        #expect(result.exitCode == 1)
        #expect(result.stderr == "error: \(workspace.input): no examples\n")
        try workspace.expectUntouched()

        let missing = try TestSupport.runCTKD(["score", workspace.directory + "/nope.jsonl"])
        #expect(missing.exitCode == 1)
        #expect(missing.stderr.hasPrefix("error: \(workspace.directory)/nope.jsonl: cannot open: "))
    }

    @Test func usageErrors() throws {
        let both = try TestSupport.runCTKD(["score", "x.jsonl", "--squad", "d.json", "--predictions", "p.json"])
        #expect(both.exitCode == 64)
        #expect(both.stderr.contains("not both"))
        let unknownGroup = try TestSupport.runCTKD(["score", Self.metricsFixtures + "/pairs.jsonl", "--metrics", "squad,bleu"])
        #expect(unknownGroup.exitCode == 1)
        #expect(unknownGroup.stderr.contains("unknown metric group \"bleu\""))
    }

    @Test func badSQuADFiles() throws {
        let directory = try TestSupport.temporaryDirectory("ctkd-squad")
        let dataset = directory + "/dev.json"
        let predictions = directory + "/pred.json"
        try AtomicFile.write(#"{"version": "1.1", "data": [{"paragraphs": [{"qas": [{"id": "q1", "answers": [{"text": "x"}]}]}]}]}"#, to: dataset)
        try AtomicFile.write("{\n  \"q1\": [\"x\"]\n}\n", to: predictions)
        let result = try TestSupport.runCTKD(["score", "--squad", dataset, "--predictions", predictions])
        #expect(result.exitCode == 1)
        #expect(result.stderr == "error: \(predictions):2: field \"q1\": expected a string, found a list\n")

        try AtomicFile.write("{\"data\": [{\"paragraphs\": [{\"qas\": [{\"id\": \"q1\", \"answers\": []}]}]}]}", to: dataset)
        try AtomicFile.write("{\"q1\": \"x\"}", to: predictions)
        let empty = try TestSupport.runCTKD(["score", "--squad", dataset, "--predictions", predictions])
        #expect(empty.exitCode == 1)
        #expect(empty.stderr == "error: \(dataset):1: field \"data[0].paragraphs[0].qas[0]\": question \"q1\" has an empty answer list\n")

        try AtomicFile.write("{\"data\": [\n{\"paragraphs\": [}]}", to: dataset)
        let malformed = try TestSupport.runCTKD(["score", "--squad", dataset, "--predictions", predictions])
        #expect(malformed.exitCode == 1)
        #expect(malformed.stderr == "error: \(dataset):2: malformed JSON: unexpected character at column 17\n")
    }

    // MARK: - Results

    @Test func squadSliceReproducesTheOfficialScores() throws {
        let expected = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: Self.metricsFixtures + "/squad/expected.json"))) as! [String: [String: Any]]
        let directory = try TestSupport.temporaryDirectory("ctkd-squad")
        for system in ["match-lstm", "logistic-regression"] {
            let corpus = directory + "/\(system).json"
            let result = try TestSupport.runCTKD([
                "score", "--squad", Self.metricsFixtures + "/squad/dev-slice.json",
                "--predictions", Self.metricsFixtures + "/squad/pred-\(system).json",
                "--metrics", "squad", "--json", corpus, "--resamples", "200"])
            #expect(result.exitCode == 0, "\(result.stderr)")
            let scores = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: corpus))) as! [String: Any]
            let values = scores["scores"] as! [String: [String: Double]]
            #expect(values["em"]!["mean"]! == expected[system]!["exact_match"] as! Double)
            #expect(values["f1"]!["mean"]! == expected[system]!["f1"] as! Double)
            #expect(values["f1"]!["low"]! < values["f1"]!["mean"]! && values["f1"]!["mean"]! < values["f1"]!["high"]!)
            #expect(scores["missing_predictions"] as? Int == expected[system]!["missing"] as? Int)
            #expect(result.stdout.contains("| em | \(String(format: "%.2f", expected[system]!["exact_match"] as! Double)) |"))
        }
    }

    @Test func writesPerExampleAndCorpusFilesAndCompares() throws {
        let workspace = try Workspace([
            #"{"id": "a", "prediction": "The cat sat.", "references": ["the cat sat", "a dog"]}"#,
            #"{"id": "b", "prediction": "running dogs", "references": "the dog runs"}"#,
            #"{"id": "c", "prediction": "", "references": ["the"]}"#,
        ].joined(separator: "\n") + "\n")
        let result = try workspace.score(["--seed", "7"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let lines = try FileIO.readText(workspace.perExample).split(separator: "\n")
        #expect(lines.count == 3)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        #expect(first["id"] as? String == "a")
        #expect(first["em"] as? Double == 1 && first["rougeL"] as? Double == 1)
        let second = try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as! [String: Any]
        #expect(second["rouge1"] as? Double == 0 && second["rouge1_stem"] as? Double == 0.8)
        let third = try JSONSerialization.jsonObject(with: Data(lines[2].utf8)) as! [String: Any]
        #expect(third["em"] as? Double == 1 && third["f1"] as? Double == 0 && third["f1_squad2"] as? Double == 1)
        #expect(result.stdout.contains("| rouge1_stem | 60.00 |"))

        // Same seed, same intervals; a different seed moves them.
        let again = try workspace.score(["--seed", "7"])
        #expect(again.stdout == result.stdout)

        // Compare the file with itself: zero difference, never a win, always a tie.
        let compare = try TestSupport.runCTKD(["score", "compare", workspace.perExample, workspace.perExample,
                                               "--metrics", "f1,rougeLsum", "--json", workspace.directory + "/compare.json"])
        #expect(compare.exitCode == 0, "\(compare.stderr)")
        #expect(compare.stdout.contains("| f1 | 33.33 | 33.33 | +0.00 | +0.00 – +0.00 | 0.0% |"))
        let json = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: workspace.directory + "/compare.json"))) as! [String: Any]
        let differences = json["differences"] as! [String: [String: Double]]
        #expect(differences["rougeLsum"]!["tie_share"] == 1)
    }

    @Test func compareNeedsTheSameIDs() throws {
        let directory = try TestSupport.temporaryDirectory("ctkd-compare")
        try AtomicFile.write(#"{"id": "a", "f1": 1.0}"# + "\n" + #"{"id": "b", "f1": 0.5}"# + "\n", to: directory + "/a.jsonl")
        try AtomicFile.write(#"{"id": "a", "f1": 1.0}"# + "\n" + #"{"id": "c", "f1": 0.5}"# + "\n", to: directory + "/b.jsonl")
        let result = try TestSupport.runCTKD(["score", "compare", directory + "/a.jsonl", directory + "/b.jsonl"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("a paired comparison needs the same examples: 1 ids of A are not in B (first: \"b\")"))

        try AtomicFile.write(#"{"id": "a", "f1": 1.0}"# + "\n" + #"{"id": "a", "f1": 0.5}"# + "\n", to: directory + "/b.jsonl")
        let duplicate = try TestSupport.runCTKD(["score", "compare", directory + "/a.jsonl", directory + "/b.jsonl"])
        #expect(duplicate.exitCode == 1)
        #expect(duplicate.stderr == "error: \(directory)/b.jsonl:2: duplicate id \"a\" (first on line 1)\n")
    }
}
