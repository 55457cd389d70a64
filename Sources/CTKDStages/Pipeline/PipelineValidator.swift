import CTKDCore
import CTKDData

/// The checks that need the whole file: names that must refer to something, combinations that
/// cannot work (a KL student with another tokenizer than the teacher's), files and directories
/// that must exist. Every problem is collected, not just the first.
struct PipelineValidator {
    let file: PipelineFile
    private var errors = [CTKDError]()

    init(file: PipelineFile) { self.file = file }

    var spec: PipelineSpec { file.spec }

    func problems() -> [CTKDError] {
        var validator = self
        validator.check()
        return validator.errors
    }

    private mutating func check() {
        checkName(spec.name, what: "pipeline name", allowDots: true)
        checkData()
        checkTokenizers()
        checkTeacher()
        checkStudents()
        checkEvaluations()
    }

    private mutating func fail(_ location: SourceLocation, _ message: String) { errors.append(location.error(message)) }

    private var splits: [String] { spec.data.splitNames }

    private mutating func checkSplit(_ split: Located<String>) {
        if !splits.contains(split.value) {
            fail(split.location, "no split \"\(split.value)\" in the data (it has \(splits.joined(separator: ", ")))")
        }
    }

    private mutating func checkName(_ name: Located<String>, what: String, allowDots: Bool = false) {
        let valid = !name.value.isEmpty && name.value.unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic && $0.isASCII || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" || allowDots && $0 == "."
        }
        if !valid { fail(name.location, "\(what) \"\(name.value)\" must be letters, digits, \"_\" or \"-\"") }
    }

    private mutating func checkFile(_ path: PathValue, what: String) {
        let resolved = file.resolve(path)
        if !FileIO.exists(resolved) {
            fail(path.location, "\(what) not found: \(path.text)" + (resolved == path.text ? "" : " (\(resolved))"))
        } else if FileIO.isDirectory(resolved) {
            fail(path.location, "\(what) is a directory, expected a file: \(path.text)")
        }
    }

    private mutating func checkData() {
        guard case .imports(let sources) = spec.data.source else { return }
        for source in sources { checkFile(source.path, what: "data file") }
    }

    private mutating func checkTokenizers() {
        for entry in spec.tokenizers.entries {
            checkName(Located(entry.name, at: entry.location), what: "tokenizer name")
            if entry.name == "teacher" { fail(entry.location, "\"teacher\" names the teacher's tokenizer; choose another name") }
            switch entry.value.source {
            case .train(let train): checkSplit(train.split)
            case .file(let path): checkFile(path, what: "tokenizer file")
            }
        }
    }

    private mutating func checkTokenizerName(_ name: Located<String>, allowTeacher: Bool) {
        if allowTeacher && name.value == "teacher" {
            if spec.teacher == nil { fail(name.location, "\"teacher\" names the teacher's tokenizer, but there is no teacher") }
        } else if spec.tokenizers[name.value] == nil {
            let known = spec.tokenizers.names + (allowTeacher && spec.teacher != nil ? ["teacher"] : [])
            fail(name.location, "no tokenizer \"\(name.value)\"" + (known.isEmpty ? " (none is declared)" : " (declared: \(known.joined(separator: ", ")))"))
        }
    }

    private mutating func checkTeacher() {
        guard let teacher = spec.teacher else { return }
        if let tokenizer = teacher.tokenizer { checkTokenizerName(tokenizer, allowTeacher: false) }
        switch teacher.source {
        case .train:
            if !splits.contains("train") { fail(teacher.location, "training the teacher needs a \"train\" split") }
        case .directory(let path):
            let directory = file.resolve(path)
            guard FileIO.isDirectory(directory) else {
                fail(path.location, "model directory not found: \(path.text)" + (directory == path.text ? "" : " (\(directory))"))
                return
            }
            var required = ["config.json", "model.safetensors"]
            if teacher.tokenizer == nil { required.append("tokenizer.json") }
            for name in required where !FileIO.exists(directory + "/" + name) {
                fail(path.location, "the model directory has no \(name): \(path.text)"
                     + (name == "tokenizer.json" ? " (or name a tokenizer with \"tokenizer\")" : ""))
            }
        }
        checkSplit(effectiveCache.split)
    }

    /// The cache settings in force: the file's, or the defaults when a student needs a cache.
    private var effectiveCache: CacheSpec { spec.cache ?? .defaults }

    /// The teacher's tokenizer as students name it.
    private var teacherTokenizer: String? {
        spec.teacher.map { $0.tokenizer?.value ?? "teacher" }
    }

    private mutating func checkStudents() {
        var seen = Set<String>()
        for student in spec.students {
            checkName(student.name, what: "student name")
            if student.name.value == "teacher" { fail(student.name.location, "\"teacher\" names the teacher; choose another name") }
            if !seen.insert(student.name.value).inserted { fail(student.name.location, "another student is named \"\(student.name.value)\"") }
            checkTokenizerName(student.tokenizer, allowTeacher: true)
            if !splits.contains("train") { fail(student.location, "training a student needs a \"train\" split") }
            let kind = student.loss.kind
            guard kind.needsCache else { continue }
            let lossLocation = SourceLocation(file: student.location.file, line: student.location.line,
                                              keyPath: student.location.keyPath + ".loss")
            guard spec.teacher != nil else {
                fail(lossLocation, "loss \(kind.rawValue) distils from a teacher, but there is no teacher")
                continue
            }
            if kind.needsTeacherTokenizer {
                let own = student.tokenizer.value == "teacher" ? teacherTokenizer : student.tokenizer.value
                if own != teacherTokenizer {
                    fail(student.tokenizer.location, "loss \(kind.rawValue) needs the teacher's tokenizer (\(teacherTokenizer!)), not \(student.tokenizer.value)")
                }
            }
            if kind == .sampled && effectiveCache.sampled == 0 {
                fail(lossLocation, "loss sampled needs sampled targets in the cache (cache.sampled is 0)")
            }
            if kind == .bld && !effectiveCache.byteDist {
                fail(lossLocation, "loss bld needs byte distributions in the cache (cache.byte_dist is false)")
            }
        }
    }

    private mutating func checkEvaluations() {
        var seen = Set<String>()
        let models = (spec.teacher == nil ? [] : ["teacher"]) + spec.students.map(\.name.value)
        for evaluation in spec.evaluations {
            checkName(evaluation.name, what: "evaluation name")
            if !seen.insert(evaluation.name.value).inserted {
                fail(evaluation.name.location, "another evaluation is named \"\(evaluation.name.value)\" (give one a \"name\")")
            }
            checkSplit(evaluation.split)
            for model in evaluation.models ?? [] where !models.contains(model.value) {
                fail(model.location, "no model \"\(model.value)\" (models: \(models.isEmpty ? "none" : models.joined(separator: ", ")))")
            }
            if evaluation.models?.isEmpty ?? models.isEmpty { fail(evaluation.location, "has no model to evaluate") }
        }
        if let baseline = spec.report?.baseline, !spec.students.contains(where: { $0.name.value == baseline.value }) {
            fail(baseline.location, "no student \"\(baseline.value)\"")
        }
        if let report = spec.report, spec.evaluations.isEmpty {
            fail(report.location, "a report needs at least one evaluation")
        }
    }
}
