import CTKDCore

/// A pipeline file as written: data, tokenizers, teacher, teacher cache, students, evaluations,
/// report. Decoding checks keys, types and ranges with file/line/key errors; `PipelineFile`
/// then checks what needs the whole file (names that refer to each other, files that must exist).
/// docs/pipelines.md documents every key.
public struct PipelineSpec: Decodable, Sendable {
    public var name: Located<String>
    /// The work directory that holds every step's output.
    public var output: PathValue
    /// The seed of every step that takes one and does not set its own.
    public var seed: UInt64
    public var data: DataSpec
    public var tokenizers: NamedEntries<TokenizerSpec>
    public var teacher: TeacherSpec?
    public var cache: CacheSpec?
    public var students: [StudentSpec]
    public var evaluations: [EvaluationSpec]
    public var report: ReportSpec?

    enum CodingKeys: String, SchemaCodingKey {
        case name, output, seed, data, tokenizers, teacher, cache, students, evaluations, report
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(Located<String>.self, forKey: .name)
        output = try c.decode(PathValue.self, forKey: .output)
        seed = try c.decode(UInt64.self, forKey: .seed, default: 0)
        data = try c.decode(DataSpec.self, forKey: .data)
        tokenizers = try c.decode(NamedEntries<TokenizerSpec>.self, forKey: .tokenizers, default: NamedEntries())
        teacher = try c.decodeIfPresent(TeacherSpec.self, forKey: .teacher)
        cache = try c.decodeIfPresent(CacheSpec.self, forKey: .cache)
        students = try c.decode([StudentSpec].self, forKey: .students, default: [])
        evaluations = try c.decode([EvaluationSpec].self, forKey: .evaluations, default: [])
        report = try c.decodeIfPresent(ReportSpec.self, forKey: .report)
    }
}
