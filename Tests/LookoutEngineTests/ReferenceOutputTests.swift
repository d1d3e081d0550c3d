import Foundation
import LookoutEngine
import LookoutImaging
import LookoutTestSupport
import XCTest

/// The engine against LiteRT 2.3 (`reference/litert_outputs.json`), on the reference's own
/// preprocessed inputs: every shared model, every input of its size.
final class ReferenceOutputTests: XCTestCase {
    func testEveryModelMatchesLiteRT() throws {
        let reference = try Fixtures.referenceOutputs()
        var compared = 0
        for name in Fixtures.modelNames {
            let expected = try XCTUnwrap(reference[name], name)
            let engine = try Engine(contentsOf: Fixtures.model(name))
            let logitScale = engine.quantizedLogitScale, tolerance = self.tolerance(engine)
            for (file, result) in expected.results.sorted(by: { $0.key < $1.key }) {
                let image = try ImageDecoder.decode(file: Fixtures.referenceInput(file).path)
                XCTAssertEqual([image.height, image.width], [engine.input.height, engine.input.width])
                let scores = try engine.scores(for: image.pixels)
                XCTAssertEqual(scores.count, result.output.count, "\(name) \(file)")
                if let logitScale {
                    // uint8: within 2/256, or within what one quantization step of the logits explains:
                    // softmax turns a 1-LSB logit difference into a relative change of e^scale − 1
                    // (Debian's 2022 XNNPACK and LiteRT 2.3 round a few intermediate values differently).
                    for (ours, theirs) in zip(scores, result.output) where abs(ours - theirs) > 2.0 / 256 {
                        let oneStep = max(ours, theirs) * (exp(logitScale) - 1) + 1.0 / 256
                        XCTAssertLessThanOrEqual(abs(ours - theirs), oneStep, "\(name) \(file)")
                        print("\(name) \(file): probability \(ours) vs \(theirs), within one logit step (\(oneStep))")
                    }
                } else {
                    let worst = zip(scores, result.output).map { abs($0 - $1) }.max() ?? .infinity
                    XCTAssertLessThanOrEqual(worst, tolerance.output, "\(name) \(file): largest output difference")
                }
                assertSameTop5(scores, result, "\(name) \(file)", accuracy: tolerance.rank)
                if let embedding = result.embedding {
                    let ours = try engine.embedding(for: image.pixels)
                    XCTAssertEqual(ours.count, embedding.count)
                    let worstFeature = zip(ours, embedding).map { abs($0 - $1) }.max() ?? .infinity
                    XCTAssertLessThanOrEqual(worstFeature, 1e-4, "\(name) \(file): largest embedding difference")
                }
                compared += 1
            }
        }
        XCTAssertEqual(compared, 56)
    }

    /// Float outputs: 1e-4, and the same classes at each rank. A uint8 output that is no softmax (the
    /// embedding extractor) is features, not scores: four of its quantization steps, and at each rank a
    /// feature the reference puts within those steps. Requantization rounds differently per CPU
    /// (XNNPACK's NEON kernels against its x86 ones and LiteRT's x86 reference), and 28 layers carry
    /// that to 4 steps on arm64, so close features trade ranks. Differences are whole steps: the half
    /// step only absorbs float rounding of the dequantized values.
    func tolerance(_ engine: Engine) -> (output: Float, rank: Float) {
        let output = engine.model.tensors[engine.model.outputs[0]]
        guard output.type == .uint8, engine.quantizedLogitScale == nil, let step = output.quantization?.scale.first else {
            return (1e-4, 1e-7)
        }
        return (4.5 * step, 4.5 * step)
    }

    /// Same top-1 and top-5, in order. Where the reference scores several classes exactly equally
    /// (common with uint8 outputs), any order among them is the same answer: each of our five must
    /// carry the reference score of the reference's entry at that rank, within `accuracy`.
    func assertSameTop5(_ scores: [Float], _ result: Fixtures.ReferenceModel.Result, _ what: String, accuracy: Float) {
        let ours = Array(scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }.prefix(5))
        for position in 0..<5 {
            XCTAssertEqual(result.output[ours[position]], result.output[result.top5[position]], accuracy: accuracy,
                           "\(what): rank \(position + 1) is class \(ours[position]), reference \(result.top5[position])")
        }
    }
}
