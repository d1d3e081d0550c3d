import Foundation
import LookoutTestSupport
import XCTest

/// One label rule for every program: a labels file whose count is not the model's number of classes
/// is refused in one line naming the file and both counts (`classify` refused it, `capture` dropped
/// it silently, lookoutd took it). `capture` also loads and checks `--head` before the camera.
final class LabelRuleTests: XCTestCase {
    var scratch: URL!
    var model: URL!
    var labels: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-label-rule-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        // A model with a labels file beside it that names only 3 of its 1001 classes.
        model = scratch.appendingPathComponent("small.tflite")
        try FileManager.default.copyItem(at: Fixtures.model("mobilenet_v1_0.25_128_quant.tflite"), to: model)
        labels = scratch.appendingPathComponent("small.labels.txt")
        try "cat\ndog\nbird\n".write(to: labels, atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    var refusal: String { "\(labels.path): 3 labels, but the model has 1001 classes" }

    func assertRefused(_ run: Run, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(run.status, 0, file: file, line: line)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr, file: file, line: line)
        XCTAssertTrue(run.stderr.contains(refusal), run.stderr, file: file, line: line)
    }

    func testClassifyRefusesALabelsFileOfTheWrongCount() throws {
        let photo = try Fixtures.photo("cat.png").path
        assertRefused(try Run.executable("lookout", ["classify", "--model", model.path, photo]))
        assertRefused(try Run.executable("lookout", ["classify", "--model", model.path, "--labels", labels.path, photo]))
    }

    /// Refused before the camera is opened (there is none here: it would say so instead).
    func testCaptureRefusesALabelsFileOfTheWrongCount() throws {
        assertRefused(try Run.executable("lookout", ["capture", "--device", "/dev/lookout-no-camera", "--label", "x",
                                                     "--data", scratch.appendingPathComponent("data").path, "--model", model.path]))
    }

    func testLookoutdRefusesALabelsFileOfTheWrongCount() throws {
        let replay = scratch.appendingPathComponent("replay")
        try FileManager.default.createDirectory(at: replay, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.photo("cat.png"), to: replay.appendingPathComponent("cat.png"))
        let run = try Run.executable("lookoutd", ["--model", model.path, "--source", replay.path, "--events", "stdout"])
        assertRefused(run)
        XCTAssertTrue(run.stdout.isEmpty, run.stdout)
    }

    /// `capture --head`: the head is loaded and checked against the model before the camera is
    /// opened: one trained on another model is refused, naming the bundle; one that fits gets as far
    /// as the (missing) camera.
    func testCaptureLoadsAndChecksTheHead() throws {
        try FileManager.default.removeItem(at: labels)
        let bundle = scratch.appendingPathComponent("head")
        try CraftedHead(labels: ["alpha", "beta"], embeddingSize: 512, baseModel: model).write(to: bundle)
        func capture(_ model: String) throws -> Run {
            try Run.executable("lookout", ["capture", "--device", "/dev/lookout-no-camera", "--label", "x", "--data",
                                           scratch.appendingPathComponent("data").path, "--model", model, "--head", bundle.path])
        }
        let other = try capture(try Fixtures.model("mobilenet_v1_0.5_160_quant.tflite").path)
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("\(bundle.path): head was trained on small.tflite"), other.stderr)
        let fits = try capture(model.path)
        XCTAssertNotEqual(fits.status, 0)
        XCTAssertTrue(fits.stderr.contains("/dev/lookout-no-camera") && !fits.stderr.contains(bundle.path), fits.stderr)
        let alone = try Run.executable("lookout", ["capture", "--label", "x", "--data", scratch.path, "--head", bundle.path])
        XCTAssertNotEqual(alone.status, 0)
        XCTAssertTrue(alone.stderr.contains("--head needs --model"), alone.stderr)
    }
}
