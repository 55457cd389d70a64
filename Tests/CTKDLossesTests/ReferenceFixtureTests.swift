import Testing
import Foundation
import CTKDCore
import CTKDTestSupport
@testable import CTKDLosses

/// Values and gradients against independent references: PyTorch autograd in float64 and POT's
/// `ot.sinkhorn` (Tests/Fixtures/losses/make_fixtures.py writes both fixtures).
@Suite struct ReferenceFixtureTests {
    static let torch: TorchFixture = load("losses/losses_torch.json")
    static let pot: POTFixture = load("losses/sinkhorn_pot.json")

    static func load<Fixture: Decodable>(_ name: String) -> Fixture {
        let data = try! Data(contentsOf: URL(fileURLWithPath: TestSupport.fixture(name)))
        return try! JSONDecoder().decode(Fixture.self, from: data)
    }

    static func lossCase(_ name: String) throws -> LossCase {
        try #require(torch.losses.first { $0.name == name }, "fixture case \(name)")
    }

    /// Largest |a − b| relative to the largest |b|: float32 against a float64 reference.
    static func difference(_ got: [Float], _ want: [Float]) -> Double {
        precondition(got.count == want.count, "\(got.count) vs \(want.count) values")
        let largest = Double(want.map(abs).max() ?? 0)
        return Double(zip(got, want).map { abs($0 - $1) }.max() ?? 0) / max(largest, 1e-12)
    }

    static func relative(_ got: Double, _ want: Double) -> Double { abs(got - want) / max(abs(want), 1e-12) }

    @Test func crossEntropy() throws {
        let c = try Self.lossCase("ce")
        let (value, gradient) = LossTestSupport.withRows(c.logits!, rows: c.rows!, vocabularySize: c.vocab!) { rows, g in
            CrossEntropy.forwardBackward(rows, targets: c.targets!, dlogits: g, scale: 1)
        }
        print("torch ce: value", Self.relative(value, c.value!), "gradient", Self.difference(gradient, c.gradient!))
        #expect(Self.relative(value, c.value!) < 1e-6)
        #expect(Self.difference(gradient, c.gradient!) < 1e-5)
    }

    @Test(arguments: ["kl_T1", "kl_T2"])
    func sparseKL(name: String) throws {
        let c = try Self.lossCase(name)
        var configuration = SparseKLConfiguration()
        configuration.temperature = c.temperature!
        let teacher = try c.topK()
        let (value, gradient) = LossTestSupport.withRows(c.logits!, rows: c.rows!, vocabularySize: c.vocab!) { rows, g in
            SparseKL(configuration).forwardBackward(rows, teacher: teacher, pairs: c.positionPairs, dlogits: g, scale: 1)
        }
        print("torch \(name): value", Self.relative(value, c.value!), "gradient", Self.difference(gradient, c.gradient!))
        #expect(Self.relative(value, c.value!) < 1e-5)
        #expect(Self.difference(gradient, c.gradient!) < 1e-5)
    }

    @Test func sampledKD() throws {
        let c = try Self.lossCase("sampled")
        let teacher = try SampledTargets(offsets: c.offsets!, ids: c.ids!, counts: c.counts!)
        let (value, gradient) = LossTestSupport.withRows(c.logits!, rows: c.rows!, vocabularySize: c.vocab!) { rows, g in
            SampledKD().forwardBackward(rows, teacher: teacher, pairs: c.positionPairs, dlogits: g, scale: 1)
        }
        print("torch sampled: value", Self.relative(value, c.value!), "gradient", Self.difference(gradient, c.gradient!))
        #expect(Self.relative(value, c.value!) < 1e-6)
        #expect(Self.difference(gradient, c.gradient!) < 1e-5)
    }

    @Test(arguments: ["uld_T1_V40", "uld_T2_V40", "uld_T1_V6"])
    func uld(name: String) throws {
        let c = try Self.lossCase(name)
        var configuration = ULDConfiguration()
        configuration.temperature = c.temperature!
        let teacher = try c.topK()
        let (value, gradient) = LossTestSupport.withRows(c.logits!, rows: c.rows!, vocabularySize: c.vocab!) { rows, g in
            ULD(configuration).forwardBackward(rows, teacher: teacher, pairs: c.positionPairs, dlogits: g, scale: 1)
        }
        print("torch \(name): value", Self.relative(value, c.value!), "gradient", Self.difference(gradient, c.gradient!))
        #expect(Self.relative(value, c.value!) < 1e-5)
        #expect(Self.difference(gradient, c.gradient!) < 1e-5)
    }

    @Test(arguments: ["mlot_T1_2_k7", "mlot_T1_1_k7", "mlot_T1_2_k50"])
    func multiLevelOT(name: String) throws {
        let c = try Self.lossCase(name)
        let reference = try #require(c.configuration)
        var configuration = MultiLevelOTConfiguration()
        configuration.columns = reference.columns
        configuration.tokenTemperature = reference.tokenTemperature
        configuration.sequenceTemperature = reference.sequenceTemperature
        configuration.lambda = reference.lambda
        configuration.iterations = reference.iterations
        configuration.beta = reference.beta
        configuration.gamma = reference.gamma
        let teacher = try c.topK()
        let (terms, gradient) = LossTestSupport.withRows(c.logits!, rows: c.rows!, vocabularySize: c.vocab!) { rows, g in
            MultiLevelOT(configuration).forwardBackward(rows, teacher: teacher, pairs: c.positionPairs, dlogits: g,
                                                        scale: 1)
        }
        let columns = c.logits!.withUnsafeBufferPointer { logits in
            MultiLevelOT.RankedColumns(LogitRows(logits: logits.baseAddress!, rows: c.rows!, vocabularySize: c.vocab!),
                                       teacher: teacher, temperature: reference.tokenTemperature,
                                       columns: reference.columns).studentColumns
        }
        #expect(columns == c.studentColumns!)
        let errors = [Self.relative(terms.holisticAbsoluteDifference, c.had!), Self.relative(terms.sequentialLog, c.sl!),
                      Self.relative(terms.sinkhornDistance, c.sd!), Self.difference(gradient, c.gradient!)]
        print("torch \(name): had, sl, sd, gradient", errors)
        #expect(errors[0] < 1e-5 && errors[1] < 1e-5 && errors[2] < 1e-5)
        #expect(errors[3] < 2e-5)
    }

    @Test func sinkhornUnrolledAgainstAutograd() throws {
        let c = try Self.lossCase("sinkhorn")
        let sinkhorn = Sinkhorn(regularization: c.lambda!, iterations: c.iterations!)
        let solution = sinkhorn.solve(cost: c.cost!, rows: c.rows!, columns: c.columns!)
        let gradient = sinkhorn.distanceGradient(solution)
        print("torch sinkhorn: value", Self.relative(solution.distance, c.value!), "gradient",
              Self.difference(gradient, c.gradient!))
        #expect(Self.relative(solution.distance, c.value!) < 1e-5)
        #expect(Self.difference(gradient, c.gradient!) < 2e-5)
    }

    @Test func sinkhornConvergesToPOT() {
        for c in Self.pot.cases {
            let solution = Sinkhorn(regularization: c.lambda, iterations: 5000).solve(cost: c.cost, rows: c.rows,
                                                                                     columns: c.columns)
            let planError = zip(solution.plan, c.plan).map { abs($0 - $1) }.max()!
            print("pot \(c.name): distance", solution.distance, "vs", c.distance, "plan", planError)
            #expect(abs(solution.distance - c.distance) < 2e-6)
            #expect(planError < 1e-5)
        }
    }

    @Test func byteHead() throws {
        let c = try Self.lossCase("bld")
        var configuration = BLDConfiguration()
        configuration.byteCount = c.byteCount!
        let bld = BLD(configuration, hiddenSize: c.hiddenSize!)
        let student = try StudentSequence(targets: [Int32](repeating: 0, count: c.spans!.count), byteSpans: c.byteSpans,
                                          responseBytes: c.response!)
        let parameters = Self.headParameters(bld.head)
        var parameterGradient = [Float](repeating: 0, count: bld.head.parameterCount)
        var hiddenGradient = [Float](repeating: 0, count: c.hidden!.count)
        let terms = try bld.forwardBackward(hidden: c.hidden!, student: student,
                                            teacher: ByteDistributions(probabilities: c.byteTargets!),
                                            parameters: parameters, parameterGradients: &parameterGradient,
                                            dhidden: &hiddenGradient, byteCrossEntropyScale: c.byteCrossEntropyScale!,
                                            klScale: c.klScale!)
        let errors = [Self.relative(terms.byteCrossEntropy, c.byteCrossEntropy!), Self.relative(terms.kl, c.kl!),
                      Self.difference(hiddenGradient, c.hiddenGradient!),
                      Self.difference(parameterGradient, c.parameterGradient!)]
        print("torch bld: ce, kl, dhidden, dparameters", errors)
        #expect(errors.allSatisfy { $0 < 1e-5 })
    }

    /// The head parameters the fixture script uses: w[i] = 0.3 sin(0.37 i + 0.11).
    static func headParameters(_ head: ByteDecoderHead) -> [Float] {
        (0..<head.parameterCount).map { Float(0.3 * sin(0.37 * Double($0) + 0.11)) }
    }

    @Test(arguments: ["kl", "sampled", "uld", "uld_index", "mlot", "bld"])
    func objective(name: String) throws {
        let c = try #require(Self.torch.objectives.first { $0.name == name })
        let objective = try Objective(c.configuration, vocabularySize: c.vocab, hiddenSize: c.hiddenSize)
        let logits = c.examples.map { FloatBuffer($0.logits) }
        let logitGradients = c.examples.map { FloatBuffer(zeros: $0.logits.count) }
        let hidden = c.examples.map { $0.hidden.map(FloatBuffer.init) }
        let hiddenGradients = c.examples.map { $0.hidden.map { FloatBuffer(zeros: $0.count) } }
        let parameters = FloatBuffer(objective.byteLevel.map { Self.headParameters($0.head) } ?? [])
        let parameterGradient = FloatBuffer(zeros: parameters.count)
        var batch = [ObjectiveExample]()
        for (index, example) in c.examples.enumerated() {
            let student = try StudentSequence(targets: example.targets, byteSpans: example.studentSpans.map(ByteSpan.init),
                                              responseBytes: example.response)
            let teacher = try example.teacher()
            if let alignment = objective.configuration.alignment {
                let pairs = Alignment.pairs(alignment, teacher: teacher.byteSpans, student: student.byteSpans,
                                            responseLength: example.response.count)
                #expect(pairs.map { [$0.teacher, $0.student] } == c.pairs[index])
            }
            batch.append(ObjectiveExample(logits: logits[index].pointer, logitGradient: .add(to: logitGradients[index].pointer),
                                          hidden: hidden[index].map { UnsafePointer($0.pointer) },
                                          dhidden: hiddenGradients[index]?.pointer, student: student, teacher: teacher))
        }
        // The buffers back the batch's views: keep them alive until the objective has run.
        let values = try withExtendedLifetime((logits, hidden, parameters)) {
            try objective.forwardBackward(batch, headParameters: parameters.pointer,
                                          headGradients: parameterGradient.pointer)
        }
        var errors = ["total": Self.relative(values.total, c.total)]
        for (key, want) in c.terms { errors[key] = Self.relative(values.terms[key] ?? .nan, want) }
        #expect(Set(values.terms.keys) == Set(c.terms.keys))
        for (index, want) in c.logitGradients.enumerated() {
            errors["dlogits\(index)"] = Self.difference(logitGradients[index].array, want)
        }
        if let want = c.hiddenGradients {
            for (index, want) in want.enumerated() {
                errors["dhidden\(index)"] = Self.difference(hiddenGradients[index]!.array, want)
            }
            errors["dhead"] = Self.difference(parameterGradient.array, c.parameterGradient!)
        }
        print("torch objective \(name):", errors.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1e", $0.value))" }.joined(separator: ", "))
        for (key, error) in errors { #expect(error < 2e-5, "\(key)") }
    }
}

// MARK: - Fixture formats (see make_fixtures.py)

struct POTFixture: Decodable {
    struct Case: Decodable {
        let name: String
        let rows: Int
        let columns: Int
        let cost: [Float]
        let lambda: Float
        let plan: [Float]
        let distance: Double
    }
    let cases: [Case]
}

struct TorchFixture: Decodable {
    let losses: [LossCase]
    let objectives: [ObjectiveCase]
}

struct MultiLevelOTCase: Decodable {
    let columns: Int
    let tokenTemperature: Float
    let sequenceTemperature: Float
    let lambda: Float
    let iterations: Int
    let beta: Float
    let gamma: Float
}

struct LossCase: Decodable {
    let name: String
    let rows: Int?, vocab: Int?, columns: Int?
    let logits: [Float]?, targets: [Int32]?
    let k: Int?, ids: [Int32]?, logProbs: [Float]?, tailMass: [Float]?
    let pairs: [[Int]]?, temperature: Float?
    let offsets: [Int]?, counts: [Int32]?
    let value: Double?, gradient: [Float]?
    let configuration: MultiLevelOTCase?, studentColumns: [Int32]?
    let had: Double?, sl: Double?, sd: Double?
    let cost: [Float]?, lambda: Float?, iterations: Int?
    let hiddenSize: Int?, byteCount: Int?, spans: [[Int]]?, response: [UInt8]?, byteTargets: [Float]?
    let hidden: [Float]?, byteCrossEntropyScale: Float?, klScale: Float?
    let byteCrossEntropy: Double?, kl: Double?, hiddenGradient: [Float]?, parameterGradient: [Float]?

    var positionPairs: [PositionPair] { (pairs ?? []).map { PositionPair(teacher: $0[0], student: $0[1]) } }
    var byteSpans: [ByteSpan] { (spans ?? []).map(ByteSpan.init) }

    func topK() throws -> TopKTargets {
        try TopKTargets(k: k!, ids: ids!, logProbs: logProbs!, tailMass: tailMass!)
    }
}

struct ObjectiveCase: Decodable {
    struct Example: Decodable {
        let logits: [Float]
        let targets: [Int32]
        let response: [UInt8]
        let teacherSpans: [[Int]]
        let studentSpans: [[Int]]
        let k: Int?, ids: [Int32]?, logProbs: [Float]?, tailMass: [Float]?
        let sampledOffsets: [Int]?, sampledIds: [Int32]?, sampledCounts: [Int32]?
        let byteTargets: [Float]?, hidden: [Float]?

        func teacher() throws -> TeacherSequence {
            try TeacherSequence(
                byteSpans: teacherSpans.map(ByteSpan.init),
                topK: k.map { try TopKTargets(k: $0, ids: ids!, logProbs: logProbs!, tailMass: tailMass!) },
                sampled: sampledOffsets.map { try SampledTargets(offsets: $0, ids: sampledIds!, counts: sampledCounts!) },
                byteDistributions: byteTargets.map { try ByteDistributions(probabilities: $0) })
        }
    }
    let name: String
    let configuration: ObjectiveConfiguration
    let vocab: Int
    let hiddenSize: Int
    let examples: [Example]
    let pairs: [[[Int]]]
    let total: Double
    let terms: [String: Double]
    let logitGradients: [[Float]]
    let hiddenGradients: [[Float]]?
    let parameterGradient: [Float]?
}

extension ByteSpan {
    init(_ pair: [Int]) { self.init(start: pair[0], end: pair[1]) }
}
