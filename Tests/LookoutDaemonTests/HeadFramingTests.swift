import Foundation
import LookoutClassifier
import LookoutImaging
import LookoutModels
import LookoutTestSupport
import LookoutTraining
import XCTest

/// lookoutd frames and pools camera frames the way the loaded head was trained, so a head trained
/// on whole pictures is not fed centre crops.
final class HeadFramingTests: XCTestCase {
    func testTheHeadDecidesHowFramesAreFramedAndPooled() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-framing-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        for (label, photos) in [("cats", ["cat_train_0.png", "cat_test_0.png", "cat.png"]),
                                ("hotdogs", ["hotdog_train_0.png", "hotdog_train_1.png", "hot_dog.jpg"])] {
            let folder = scratch.appendingPathComponent("data/\(label)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for photo in photos { try FileManager.default.copyItem(at: Fixtures.photo(photo), to: folder.appendingPathComponent(photo)) }
        }
        let model = try Fixtures.model("mobilenet_v1_0.25_128_quant.tflite")
        let sha = try sha256(of: model)
        var options = RetrainOptions(model: model, modelSHA256: sha, data: scratch.appendingPathComponent("data"),
                                     output: scratch.appendingPathComponent("head"), cache: scratch.appendingPathComponent("cache"))
        options.validationPercent = 0
        final class Silent: ProgressSink { func begin(_: String, total: Int) {}; func update(_: Int) {}; func end() {} }
        _ = try Retrainer.run(options, progress: Silent())
        XCTAssertEqual(try Classifier.load(model: model.path, topK: 1).framing, Framing(size: 128, crop: .standard),
                       "ImageNet labels: the centre crop MobileNet was evaluated with")
        let classifier = try Classifier.load(model: model.path, head: options.output, topK: 2)
        let (engine, head) = (classifier.engine, try XCTUnwrap(classifier.head))
        XCTAssertEqual(classifier.framing, Framing(size: 128, crop: .none))
        XCTAssertEqual(classifier.labels, ["cats", "hotdogs"])

        // A camera frame (4:3, YUYV) framed as the head wants and scored on average+max features:
        // the same scores as the head applied by hand to the whole picture.
        let photo = try ImageDecoder.decode(file: Fixtures.photo("hot_dog.jpg").path)
        let frame = try ImagePreprocessor.load(file: Fixtures.photo("hot_dog.jpg").path, framing: classifier.framing)
        let byHand = try head.scores(for: try engine.embedding(for: frame.pixels, pooling: .averageAndMax))
        let top = try classifier.top(frame.pixels)
        XCTAssertEqual(top.first?.label, "hotdogs")
        XCTAssertEqual(top.first?.score ?? 0, byHand.max() ?? -1, accuracy: 1e-6)
        XCTAssertNotEqual(frame, try ImagePreprocessor.load(file: Fixtures.photo("hot_dog.jpg").path, size: 128),
                          "the whole picture, not the centre crop (\(photo.width)×\(photo.height))")
    }
}
