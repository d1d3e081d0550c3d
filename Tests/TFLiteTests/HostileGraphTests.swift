import Foundation
import LookoutEngine
import LookoutTestSupport
import TFLite
import XCTest

/// Graphs a converter would never write, built by the test (TFLiteBuilder): each is refused with one
/// line that names the operator or tensor and the cause, before anything indexes, divides or runs.
final class HostileGraphTests: XCTestCase {
    func load(_ builder: TFLiteBuilder) throws -> Engine {
        try Engine(model: Model(bytes: ModelBytes(Data(builder.build()))))
    }

    func refusal(_ builder: TFLiteBuilder, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            let engine = try load(builder)
            _ = try engine.scores(for: [UInt8](repeating: 200, count: engine.input.pixelCount))
            XCTFail("loaded and ran", file: file, line: line)
            return ""
        } catch {
            XCTAssertFalse("\(error)".contains("\n"), "one line: \(error)", file: file, line: line)
            return "\(error)"
        }
    }

    /// The generator's base graph is valid: it loads, runs, and gives the softmax of W·mean + b.
    func testTheTinyClassifierRuns() throws {
        let engine = try load(TFLiteBuilder.tinyClassifier().builder)
        XCTAssertEqual(engine.classCount, 2)
        XCTAssertEqual(engine.embeddingSize, 3)
        // Pixel (255, 0, 0) → input (1, −1, −1): logits (1 + 1 + 0.5, −1 − 1 − 0.5) = (2.5, −2.5).
        let scores = try engine.scores(for: [255, 0, 0])
        XCTAssertEqual(scores[0], 1 / (1 + exp(-5)), accuracy: 1e-5)
        XCTAssertEqual(scores[1], 1 - scores[0], accuracy: 1e-5)
    }

    /// TFLite's −1 ("omitted") where an operator needs a tensor: once a trap on tensors[-1].
    func testAnOmittedRequiredInputIsRefused() {
        var b = TFLiteBuilder.tinyClassifier().builder
        b.operators[1].inputs[1] = -1
        XCTAssertTrue(refusal(b).contains("operator 1 (FULLY_CONNECTED): a required input is omitted"), refusal(b))
    }

    /// A RESHAPE whose output is the model's own input: once it replaced the input's shape.
    func testAReshapeIntoTheModelInputIsRefused() {
        let tiny = TFLiteBuilder.tinyClassifier()
        var b = tiny.builder
        b.operators.insert(.init(.reshape, [tiny.pooled], [b.inputs[0]], options: TFLiteBuilder.reshapeOptions([1, 1, 1, 3])), at: 1)
        XCTAssertTrue(refusal(b).contains("operator 1 (RESHAPE): tensor 'input' is written twice"), refusal(b))
    }

    /// An output of rank 0: once a class count of 0 and a division by zero.
    func testAScalarOutputIsRefused() {
        var b = TFLiteBuilder()
        let input = b.tensor("input", [1, 1, 1, 3])
        let axes = b.constant("axes", [2], int32s: [1, 2])
        let pooled = b.tensor("pooled", [1, 3])
        let weights = b.constant("weights", [1, 3], floats: [1, 1, 1])
        let logit = b.tensor("logit", [1, 1])
        let scalar = b.tensor("scalar", [])
        b.op(.mean, [input, axes], [pooled], options: TFLiteBuilder.meanOptions)
        b.op(.fullyConnected, [pooled, weights], [logit], options: TFLiteBuilder.fullyConnectedOptions)
        b.op(.reshape, [logit], [scalar], options: TFLiteBuilder.reshapeOptions([]))
        (b.inputs, b.outputs) = ([input], [scalar])
        XCTAssertTrue(refusal(b).contains("output 'scalar' has shape []; one row of class scores is expected"), refusal(b))
    }

    /// SOFTMAX from float to uint8: once the host softmax returned nothing, which was then indexed.
    func testAFloatSoftmaxIntoUInt8IsRefused() {
        var b = TFLiteBuilder.tinyClassifier().builder
        let bytes = b.tensor("bytes", [1, 2], .uint8, quantization: .init(scale: 1.0 / 256, zeroPoint: 0))
        b.operators[2].outputs = [bytes]
        b.outputs = [bytes]
        XCTAssertTrue(refusal(b).contains("operator 2 (SOFTMAX): input 'logits' and output 'bytes' differ in type"), refusal(b))
    }

    /// Every tensor index an operator may name, −1 and one past the end included, in every input and
    /// output slot of the tiny classifier: each variant loads and runs, or is refused; none traps.
    func testEveryIndexInEverySlot() {
        let base = TFLiteBuilder.tinyClassifier().builder
        let count = Int32(base.tensors.count)
        var refused = 0, loaded = 0
        for op in 0..<3 {
            let wires = base.operators[op].inputs.count + base.operators[op].outputs.count
            for slot in 0..<wires {
                for index in -1...count {
                    var b = base
                    if slot < b.operators[op].inputs.count {
                        b.operators[op].inputs[slot] = index
                    } else {
                        b.operators[op].outputs[slot - b.operators[op].inputs.count] = index
                    }
                    if refusal(b, quiet: true) { refused += 1 } else { loaded += 1 }
                }
            }
        }
        XCTAssertGreaterThan(refused, 40)
        XCTAssertGreaterThan(loaded, 0, "the unchanged wiring among them loads")
    }

    /// Every tensor of the tiny classifier as float32, uint8 (with and without quantization) and
    /// int32: each variant loads and gives scores and embeddings, or is refused; none traps.
    func testEveryTypeForEveryTensor() throws {
        let base = TFLiteBuilder.tinyClassifier().builder
        let types: [(TFLiteBuilder.ElementType, TFLiteBuilder.Quantization?)] = [
            (.float32, nil), (.uint8, .init(scale: 0.02, zeroPoint: 128)), (.uint8, nil), (.int32, .init(scale: 0.001, zeroPoint: 0)),
        ]
        var refused = 0
        for tensor in 0..<Int32(base.tensors.count) {
            for (type, quantization) in types {
                var b = base
                b.retype(tensor, type, quantization: quantization)
                do {
                    let engine = try load(b)
                    let pixels = [UInt8](repeating: 77, count: engine.input.pixelCount)
                    _ = try engine.scores(for: pixels)
                    _ = try? engine.embedding(for: pixels, pooling: .average)
                    _ = try? engine.embedding(for: pixels, pooling: .averageAndMax)
                } catch {
                    XCTAssertFalse("\(error)".contains("\n"), "\(error)")
                    refused += 1
                }
            }
        }
        XCTAssertGreaterThan(refused, 10)
    }

    /// Loads and runs without failing the test: true when refused.
    func refusal(_ builder: TFLiteBuilder, quiet: Bool) -> Bool {
        do {
            let engine = try load(builder)
            _ = try engine.scores(for: [UInt8](repeating: 200, count: engine.input.pixelCount))
            return false
        } catch {
            return true
        }
    }
}
