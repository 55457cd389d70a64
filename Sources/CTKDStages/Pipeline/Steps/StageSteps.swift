/// The stage steps of this module besides data: tokenizer and teacher training, evaluation and
/// the report. The teacher cache (`teach`) and the students (`distill`) register their own.
extension PipelineSteps {
    public static let stageSteps: [StepKind: any PipelineStep] = [
        .tokenizerTrain: TokenizerTrainStep(),
        .teacherTrain: TeacherTrainStep(),
        .evaluate: EvaluationStep(),
        .report: ReportStep(),
    ]

    /// Every step implementation available to `ctkd run`.
    public static var all: [StepKind: any PipelineStep] {
        [data, stageSteps, teacherStage, studentStage].reduce(into: [:]) { all, steps in all.merge(steps) { $1 } }
    }
}
