import CTKDCore
import CTKDMetrics
import Foundation

/// `report`: for every evaluation and scoring group (e.g. `test`'s `qa` and `summary` examples),
/// a `Report` over the evaluated models — their training curves (`metrics.jsonl` of the steps
/// that trained them), scores with CIs, and paired differences against the baseline — written as
/// `report.md` (every group, one after the other), `report.html` (the first group) and
/// `report.EVAL.GROUP.html` (each group, when there are several), and `summary.txt`, the tables
/// `ctkd run` prints at the end. Cheap, so a resumed run starts over.
struct ReportStep: PipelineStep {
    static let summaryFile = "summary.txt"

    func run(_ step: PlannedStep, context: StepContext) throws {
        guard case .report(let title, let baseline) = step.task else { throw context.wrongTask(step) }
        let evaluations = evaluationInputs(context.inputs)
        var sections = [(name: String, report: Report)]()
        for evaluation in evaluations {
            let summaries = try evaluation.models.map { try EvaluationSummary.load($0.path + "/" + EvaluationFiles.summary) }
            var groups = [String]()
            for group in summaries.flatMap(\.groups) where !groups.contains(group.name) { groups.append(group.name) }
            for group in groups {
                var students = [ReportStudent]()
                for (model, summary) in zip(evaluation.models, summaries) {
                    guard let scores = summary.groups.first(where: { $0.name == group }) else { continue }
                    let trainedBy = context.inputs.first { $0.name == (model.name == "teacher" ? "teacher" : "student.\(model.name)") }
                    let log = trainedBy.map { $0.path + "/" + StepProducts.metrics }.flatMap { FileIO.exists($0) ? $0 : nil }
                    students.append(ReportStudent(name: model.name, metricsLog: log,
                                                  perExampleScores: model.path + "/" + scores.perExample,
                                                  corpusScores: model.path + "/" + scores.scores,
                                                  notes: trainedBy.map { notes(stepDirectory: $0.path) } ?? [:]))
                }
                let name = evaluations.count == 1 && groups.count == 1 ? "" : "\(evaluation.name) · \(group)"
                // The paired comparisons resample as the evaluation's intervals did.
                let bootstrap = try students.first?.corpusScores.map { try CorpusScores.load($0).options } ?? BootstrapOptions()
                let configuration = ReportConfiguration(
                    title: name.isEmpty ? title : "\(title) — \(name)", students: students,
                    baseline: students.contains { $0.name == baseline } ? baseline : nil, bootstrap: bootstrap)
                sections.append((name, try Report(configuration)))
            }
        }
        guard let first = sections.first else { throw CTKDError("\(context.label): no evaluation to report on") }
        let directory = context.outputDirectory + "/"
        try AtomicFile.write(sections.map { $0.report.markdown() }.joined(separator: "\n"), to: directory + StepProducts.report)
        try AtomicFile.write(first.report.html(), to: directory + "report.html")
        if sections.count > 1 {
            for section in sections {
                let file = "report." + section.name.replacingOccurrences(of: " · ", with: ".") + ".html"
                try AtomicFile.write(section.report.html(), to: directory + file)
            }
        }
        let summary = sections.map { ($0.name.isEmpty ? "" : "\($0.name)\n") + $0.report.terminalSummary() }
        try AtomicFile.write(summary.joined(separator: "\n"), to: directory + Self.summaryFile)
    }

    /// The `eval.EVAL.MODEL` inputs grouped by evaluation, models with the teacher first.
    private func evaluationInputs(_ inputs: [StepInput]) -> [(name: String, models: [(name: String, path: String)])] {
        var result = [(name: String, models: [(name: String, path: String)])]()
        for input in inputs where input.name.hasPrefix("eval.") {
            let rest = input.name.dropFirst("eval.".count)
            guard let dot = rest.lastIndex(of: ".") else { continue }
            let evaluation = String(rest[..<dot]), model = String(rest[rest.index(after: dot)...])
            if let index = result.firstIndex(where: { $0.name == evaluation }) {
                result[index].models.append((model, input.path))
            } else {
                result.append((evaluation, [(model, input.path)]))
            }
        }
        for index in result.indices {
            result[index].models.sort { ($0.name == "teacher" ? 0 : 1, $0.name) < ($1.name == "teacher" ? 0 : 1, $1.name) }
        }
        return result
    }

    /// What the students table shows about a trained model: its loss and size, from the
    /// settings its step recorded.
    private func notes(stepDirectory: String) -> [String: String] {
        guard let data = try? FileIO.read(stepDirectory + "/" + StepRecord.completeFile),
              let record = try? JSONDecoder().decode(StepRecord.self, from: Data(data)) else { return [:] }
        // String settings are recorded as JSON literals.
        func value(_ key: String) -> String? { record.config[key].map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } }
        var notes = [String: String]()
        notes["loss"] = value("loss.kind") ?? (record.kind == StepKind.teacherTrain.rawValue ? "teacher (sft)" : nil)
        if let layers = value("model.layers"), let width = value("model.d_model") {
            notes["model"] = "\(layers) × \(width)"
        }
        return notes.compactMapValues { $0 }
    }
}

extension PipelinePlan {
    /// The report step's terminal tables (`summary.txt`), once the report exists.
    public var reportSummary: String? {
        guard let step = entries.first(where: { $0.step.kind == .report })?.step else { return nil }
        let path = step.outputDirectory + "/" + ReportStep.summaryFile
        return FileIO.exists(path) ? path : nil
    }
}
