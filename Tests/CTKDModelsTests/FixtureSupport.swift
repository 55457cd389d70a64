import Foundation
import CTKDCore
import CTKDTestSupport
@testable import CTKDModels

/// The tiny Hugging Face models and their expected outputs in Tests/Fixtures/models
/// (made by make_tiny_hf_fixture.py and make_gradient_fixture.py there).
struct HFFixture {
    let directory: String
    let expected: [String: Any]

    init(_ kind: String) throws {
        directory = TestSupport.fixture("models/" + kind)
        expected = try JSONSerialization.jsonObject(with: Data(FileIO.read(directory + "/expected.json"))) as! [String: Any]
    }

    var inputIds: [[Int32]] { (expected["input_ids"] as! [[Int]]).map { $0.map(Int32.init) } }
    /// (B, T, V) flattened.
    var logits: [Float] { flatten(expected["logits"]!) }
    var loss: Double { expected["loss"] as! Double }
    var hiddenStates: [[Float]] { (expected["hidden_states"] as! [Any]).map(flatten) }
    var greedyPrompt: [Int32] { ((expected["greedy"] as! [String: Any])["prompt"] as! [[Int]])[0].map(Int32.init) }
    var greedyTokens: [Int32] { ((expected["greedy"] as! [String: Any])["new_tokens"] as! [[Int]])[0].map(Int32.init) }

    func flatten(_ value: Any) -> [Float] {
        if let number = value as? Double { return [Float(number)] }
        return (value as! [Any]).flatMap(flatten)
    }
}

/// max |a − b|.
func maxAbsDifference(_ a: some Collection<Float>, _ b: some Collection<Float>) -> Float {
    precondition(a.count == b.count, "sizes \(a.count) and \(b.count) differ")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Inputs and next-token targets for a (B, T) batch: the last position of each row has no target.
func nextTokenTargets(_ rows: [[Int32]]) -> [Int32] {
    rows.flatMap { row in Array(row.dropFirst()) + [CrossEntropy.ignoredTarget] }
}
