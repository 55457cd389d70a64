import CTKDCore
import CTKDData
import CTKDMetrics

/// Scores an evaluation's predictions with `ScoringJob`, exactly as `ctkd score` would score the
/// files it writes: `predictions.jsonl` (all), and per scoring group its per-example and corpus
/// files; then `scores.json`, the index of the groups (written last: its presence means done).
struct EvaluationScoring {
    let options: EvaluationOptions

    /// A set of examples scored with one metric set.
    struct Group {
        var name: String
        var metrics: MetricSet
        var members: [Int]
    }

    func groups(_ examples: [EvaluationExample]) -> [Group] {
        switch options.metrics {
        case .squad: return [Group(name: "all", metrics: MetricSet(groups: [.squad]), members: Array(examples.indices))]
        case .rouge: return [Group(name: "all", metrics: MetricSet(groups: [.rouge]), members: Array(examples.indices))]
        case .all: return [Group(name: "all", metrics: MetricSet(groups: [.squad, .rouge]), members: Array(examples.indices))]
        case .auto:
            // In a fixed order, so files and reports do not depend on which task comes first.
            let kinds: [(DatasetTask?, String, [MetricGroup])] = [(.qa, "qa", [.squad]), (.summary, "summary", [.rouge]),
                                                                  (nil, "all", [.squad, .rouge])]
            return kinds.compactMap { task, name, metricGroups in
                let members = examples.indices.filter { examples[$0].example.task == task }
                return members.isEmpty ? nil : Group(name: name, metrics: MetricSet(groups: metricGroups), members: members)
            }
        }
    }

    func score(_ examples: [EvaluationExample], predictions: [String], finishReasons: [String]) throws -> EvaluationStage.Result {
        let directory = options.outputDirectory + "/"
        func lines(_ indices: [Int]) -> [UInt8] {
            var out = [UInt8]()
            for index in indices {
                let item = examples[index]
                out += #"{"id":"#.utf8
                CTKDData.JSONText.append(item.example.id, to: &out)
                out += #","prediction":"#.utf8
                CTKDData.JSONText.append(predictions[index], to: &out)
                out += #","references":["#.utf8
                for (position, reference) in item.references.enumerated() {
                    if position > 0 { out.append(UInt8(ascii: ",")) }
                    CTKDData.JSONText.append(reference, to: &out)
                }
                out.append(UInt8(ascii: "]"))
                if let task = item.example.task {
                    out += #","task":"#.utf8
                    CTKDData.JSONText.append(task.rawValue, to: &out)
                }
                out += #","finish_reason":"#.utf8
                CTKDData.JSONText.append(finishReasons[index], to: &out)
                out += "}\n".utf8
            }
            return out
        }
        try AtomicFile.write(lines(Array(examples.indices)), to: directory + EvaluationFiles.predictions)
        let groups = groups(examples)
        var summaryGroups = [EvaluationSummary.Group](), corpus = [CorpusScores]()
        for group in groups {
            var input = EvaluationFiles.predictions
            if groups.count > 1 {
                input = EvaluationFiles.predictions(group: group.name)
                try AtomicFile.write(lines(group.members), to: directory + input)
            }
            let job = ScoringJob(input: .jsonLines(directory + input), metrics: group.metrics, options: options.bootstrap,
                                 perExamplePath: directory + EvaluationFiles.perExample(group: group.name),
                                 corpusPath: directory + EvaluationFiles.corpus(group: group.name))
            let result = try job.run()
            corpus.append(result.corpus)
            var means = [String: Double]()
            for key in result.corpus.primaryKeys { means[key] = result.corpus[key]!.mean }
            summaryGroups.append(EvaluationSummary.Group(
                name: group.name, metrics: group.metrics.groups.map(\.rawValue), examples: group.members.count,
                predictions: input, perExample: EvaluationFiles.perExample(group: group.name),
                scores: EvaluationFiles.corpus(group: group.name), means: means))
        }
        let summary = EvaluationSummary(examples: examples.count, groups: summaryGroups)
        try summary.write(to: directory + EvaluationFiles.summary)
        return EvaluationStage.Result(summary: summary, corpus: corpus, generated: 0)
    }
}
