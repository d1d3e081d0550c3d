import Foundation
import LookoutEngine
import LookoutImaging
import LookoutTestSupport
import XCTest

final class EngineTests: XCTestCase {
    func referenceImages(_ side: Int) throws -> [[UInt8]] {
        try ["cat", "hot_dog", "owl"].map {
            try ImageDecoder.decode(file: Fixtures.referenceInput("\($0)_\(side).png").path).pixels
        }
    }

    func testBatchesGiveTheSameAnswersAsSingleImages() throws {
        for name in ["mobilenet_v1_0.75_224.tflite", "mobilenet_v1_0.5_160_quant.tflite"] {
            let engine = try Engine(contentsOf: Fixtures.model(name))
            let images = try referenceImages(engine.input.width)
            let batchScores = try engine.scores(for: images)
            let batchEmbeddings = try engine.embedding(for: images)
            XCTAssertEqual(batchScores.count, 3)
            for (i, image) in images.enumerated() {
                let single = try engine.scores(for: image)
                XCTAssertEqual(zip(single, batchScores[i]).map { abs($0 - $1) }.max()!, 0, accuracy: 1e-5, name)
                let embedding = try engine.embedding(for: image)
                XCTAssertEqual(zip(embedding, batchEmbeddings[i]).map { abs($0 - $1) }.max()!, 0, accuracy: 1e-4, name)
            }
            // Different images give different answers: the batch is not one image repeated.
            XCTAssertNotEqual(batchEmbeddings[0], batchEmbeddings[1])
        }
    }

    /// Average+max pooling: the first half is the model's own global average pool, the second the
    /// channel maxima, on a float and a uint8 model (Keras MEAN and TF-slim AVERAGE_POOL_2D heads).
    func testAverageAndMaxPooling() throws {
        for name in ["mobilenet_v1_0.75_224.tflite", "mobilenet_v1_1.0_224.tflite", "mobilenet_v1_0.5_160_quant.tflite"] {
            let engine = try Engine(contentsOf: Fixtures.model(name))
            let size = try XCTUnwrap(engine.embeddingSize)
            for image in try referenceImages(engine.input.width) {
                let average = try engine.embedding(for: image)
                let both = try engine.embedding(for: image, pooling: .averageAndMax)
                XCTAssertEqual(both.count, 2 * size, name)
                // uint8: the pool's own output is requantised, so agree within one quantisation step.
                let tolerance: Float = engine.input.quantized ? 0.1 : 1e-4
                XCTAssertEqual(zip(average, both.prefix(size)).map { abs($0 - $1) }.max()!, 0, accuracy: tolerance, name)
                XCTAssertTrue(zip(both.prefix(size), both.suffix(size)).allSatisfy { $0 <= $1 + 1e-5 }, "max ≥ mean: \(name)")
                XCTAssertGreaterThan(both.suffix(size).reduce(0, +), both.prefix(size).reduce(0, +) * 1.5, "maxima stand out: \(name)")
            }
        }
    }

    func testThreadPoolGivesTheSameAnswer() throws {
        let url = try Fixtures.model("mobilenet_v1_1.0_224.tflite")
        let one = try Engine(contentsOf: url, threads: 1), two = try Engine(contentsOf: url, threads: 2)
        XCTAssertEqual(two.threads, 2)
        for image in try referenceImages(224) {
            let a = try one.scores(for: image), b = try two.scores(for: image)
            XCTAssertEqual(zip(a, b).map { abs($0 - $1) }.max()!, 0, accuracy: 1e-5)
        }
    }

    func testInputContractComesFromTheModel() throws {
        let float = try Engine(contentsOf: Fixtures.model("mobilenet_v1_1.0_224.tflite"))
        XCTAssertEqual(float.input, InputSpec(height: 224, width: 224, channels: 3, quantized: false, mean: 127.5, std: 127.5))
        XCTAssertEqual(float.classCount, 1001)
        XCTAssertEqual(float.embeddingSize, 1024)
        let quant = try Engine(contentsOf: Fixtures.model("mobilenet_v1_0.75_192_quant.tflite"))
        XCTAssertEqual(quant.input, InputSpec(height: 192, width: 192, channels: 3, quantized: true, mean: 128, std: 128))
        XCTAssertEqual(quant.embeddingSize, 768)
        let keras = try Engine(contentsOf: Fixtures.model("mobilenet_v1_0.75_224.tflite"))
        XCTAssertEqual(keras.classCount, 1000)
    }

    /// Published multiply-accumulates of MobileNet V1 at 224: 569 M (1.0), 317 M (0.75), 150 M (0.5), rounded
    /// TF-slim figures; the Keras 0.75 export computes 325 M, so the bound is 3 %.
    func testSummaryCountsWork() throws {
        for (name, macs, params) in [("mobilenet_v1_1.0_224.tflite", 569e6, 4.2e6),
                                     ("mobilenet_v1_0.75_224.tflite", 317e6, 2.6e6),
                                     ("mobilenet_v1_0.5_224_dequantized.tflite", 150e6, 1.3e6)] {
            let summary = try Engine(contentsOf: Fixtures.model(name)).summary
            XCTAssertEqual(Double(summary.multiplyAccumulates), macs, accuracy: macs * 0.03, name)
            XCTAssertEqual(Double(summary.parameters), params, accuracy: params * 0.05, name)
            XCTAssertEqual(summary.operators["DEPTHWISE_CONV_2D"], 13, name)
        }
    }

    func testWrongImageSizeIsAnError() throws {
        let engine = try Engine(contentsOf: Fixtures.model("mobilenet_v1_0.25_128_quant.tflite"))
        XCTAssertThrowsError(try engine.scores(for: [UInt8](repeating: 0, count: 224 * 224 * 3))) { error in
            XCTAssertTrue("\(error)".contains("128×128×3"), "\(error)")
        }
    }
}
