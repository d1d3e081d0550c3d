import Foundation
import LookoutCamera
import LookoutClassifier
import LookoutImaging
import LookoutTestSupport
import XCTest

/// The one label rule, the one top-K, and the camera path `lookout capture` classifies on.
final class ClassifierTests: XCTestCase {
    var scratch: URL!
    var model: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-classifier-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        model = try Fixtures.model("mobilenet_v1_0.25_128_quant.tflite")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    func labelsFile(_ count: Int, name: String = "labels.txt") throws -> URL {
        let file = scratch.appendingPathComponent(name)
        try ((0..<count).map { "class \($0)" }.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// A labels file given by name whose count is not the model's is refused in one line naming the
    /// file and both counts; one that fits names the classes.
    func testALabelsFileOfTheWrongCountIsRefused() throws {
        let three = try labelsFile(3)
        XCTAssertThrowsError(try Classifier.load(model: model.path, labels: three)) {
            XCTAssertEqual("\($0)", "\(three.path): 3 labels, but the model has 1001 classes")
        }
        let fitting = try Classifier.load(model: model.path, labels: try labelsFile(1001, name: "fits.txt"))
        XCTAssertEqual(fitting.labels.count, 1001)
        XCTAssertEqual(fitting.labels[7], "class 7")
    }

    /// The same rule for the file found beside the model (`MODEL.labels.txt`), which `capture` and
    /// lookoutd once used silently or cut short.
    func testALabelsFileBesideTheModelIsHeldToTheSameRule() throws {
        let copy = scratch.appendingPathComponent("small.tflite")
        try FileManager.default.copyItem(at: model, to: copy)
        let beside = try labelsFile(1000, name: "small.labels.txt")
        XCTAssertThrowsError(try Classifier.load(model: copy.path)) {
            XCTAssertEqual("\($0)", "\(beside.path): 1000 labels, but the model has 1001 classes")
        }
        try FileManager.default.removeItem(at: beside)
        let unlabelled = try Classifier.load(model: copy.path, topK: 3)
        XCTAssertEqual(unlabelled.labels, [], "no labels file: classes go by number")
        let top = try unlabelled.top(try ImagePreprocessor.load(file: Fixtures.photo("hot_dog.jpg").path, framing: unlabelled.framing).pixels)
        XCTAssertEqual(top.map(\.label), top.map { "#\($0.index)" })
    }

    /// Top-K: the K best, best first, with their labels; the classifier's `top` is the model's
    /// scores ranked so.
    func testTopKRanksTheScores() throws {
        XCTAssertEqual(Classifier.ranking([0.1, 0.7, 0.05, 0.15], top: 3), [1, 3, 0])
        XCTAssertEqual(Classifier.ranking([0.5, 0.5], top: 5).count, 2)
        let classifier = try Classifier.load(model: try Fixtures.model("mobilenet_v1_0.75_192_quant.tflite").path, topK: 5)
        let pixels = try ImagePreprocessor.load(file: Fixtures.photo("hot_dog.jpg").path, framing: classifier.framing).pixels
        let scores = try classifier.engine.scores(for: pixels)
        let top = try classifier.top(pixels)
        XCTAssertEqual(top.map(\.index), Array(scores.indices.sorted { scores[$0] > scores[$1] }.prefix(5)))
        XCTAssertEqual(top.first?.label, "hotdog, hot dog, red hot")
        XCTAssertEqual(top.first?.score, scores.max())
    }

    /// `lookout capture --model M --head H`: a raw camera frame is framed as the head was trained
    /// (the whole frame, not the centre crop), pooled as it was, and scored by the head with its
    /// labels: the same scores as the head applied by hand.
    func testACameraFrameIsClassifiedAsTheHeadWants() throws {
        let bundle = scratch.appendingPathComponent("head")
        try CraftedHead(labels: ["alpha", "beta", "gamma"], embeddingSize: 512, baseModel: model).write(to: bundle)
        let classifier = try Classifier.load(model: model.path, head: bundle)
        XCTAssertEqual(classifier.framing, Framing(size: 128, crop: .none))
        XCTAssertEqual(classifier.labels, ["alpha", "beta", "gamma"])
        let photo = try ImagePreprocessor.load(file: Fixtures.photo("hot_dog.jpg").path, size: 320, crop: .none)
        let (yuyv, line) = CameraFrame.bytes(of: RGBImage(width: 320, height: 240, pixels: Array(photo.pixels.prefix(320 * 240 * 3))), as: .yuyv)
        let frame = try RawFrame(bytes: yuyv, format: .yuyv, width: 320, height: 240, bytesPerLine: line)

        let framed = try frame.image(classifier.framing)
        let top = try classifier.top(framed.pixels)
        let head = try XCTUnwrap(classifier.head)
        let byHand = try head.scores(for: try classifier.engine.embedding(for: framed.pixels, pooling: .averageAndMax))
        XCTAssertEqual(top.count, 3)
        XCTAssertEqual(top.first?.label, head.labels[Classifier.ranking(byHand, top: 1)[0]])
        XCTAssertEqual(top.first?.score ?? 0, byHand.max() ?? -1, accuracy: 1e-6)
        XCTAssertNotEqual(framed, try frame.image(Framing(size: 128)), "the whole frame, not the centre crop")
    }

    /// A head trained on another model is refused, naming the bundle: capture and classify check it
    /// before the first frame.
    func testAHeadForAnotherModelIsRefused() throws {
        let bundle = scratch.appendingPathComponent("head")
        try CraftedHead(labels: ["a", "b"], embeddingSize: 512, baseModel: model).write(to: bundle)
        let other = try Fixtures.model("mobilenet_v1_0.5_160_quant.tflite")
        XCTAssertThrowsError(try Classifier.load(model: other.path, head: bundle)) {
            XCTAssertTrue("\($0)".hasPrefix("\(bundle.path): head was trained on mobilenet_v1_0.25_128_quant.tflite"), "\($0)")
        }
    }
}
