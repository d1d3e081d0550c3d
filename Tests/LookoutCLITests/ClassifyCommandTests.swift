import Foundation
import LookoutTestSupport
import XCTest

final class ClassifyCommandTests: XCTestCase {
    struct Line: Decodable {
        struct Entry: Decodable { let index: Int; let label: String; let score: Float }
        let image: String
        let top: [Entry]
        let latency_ms: Double
    }

    /// The original photos behind the reference inputs, through Lookout's own decoder, crop and resize,
    /// give LiteRT's top-1 on the reference crops.
    func testOriginalPhotosGiveTheReferenceTop1() throws {
        let photos = ["grace_hopper.png", "cat.png", "bird.png", "parrot.jpg", "hot_dog.jpg", "dragonfly.png",
                      "owl.jpg", "pets.jpg"]
        let reference = try Fixtures.referenceOutputs()["mobilenet_v1_1.0_224.tflite"]!.results
        let run = try Run.executable("lookout", ["classify", "--model", "mobilenet_v1_1.0_224", "--json", "--top", "3"]
                                     + photos.map { try Fixtures.photo($0).path })
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = try run.stdout.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
        // A run that printed fewer lines fails here, not with an index out of range below.
        guard lines.count == photos.count else { return XCTFail("\(lines.count) lines for \(photos.count) photos: \(run.stderr)") }
        for (photo, line) in zip(photos, lines) {
            let stem = photo.split(separator: ".")[0]
            let expected = try XCTUnwrap(reference["\(stem)_224.png"]).top5[0]
            XCTAssertEqual(line.top.first?.index, expected, "\(photo): \(line.top)")
            XCTAssertEqual(line.top.count, 3)
            XCTAssertGreaterThan(line.latency_ms, 0)
        }
        XCTAssertTrue(lines[1].top.first?.label.contains("cat") == true, "\(lines[1].top)")
        XCTAssertEqual(lines[4].top.first?.label, "hotdog, hot dog, red hot")
    }

    func testReadableOutputNamesLabelsAndScores() throws {
        let run = try Run.executable("lookout", ["classify", "--model", "mobilenet_v1_0.75_192_quant",
                                                 try Fixtures.photo("hot_dog.jpg").path])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("hotdog"), run.stdout)
        XCTAssertEqual(run.stdout.split(separator: "\n").count, 6)  // the image line and 5 labels
    }

    func testBadImagesAreOneLineErrorsAndTheRestStillRuns() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let text = scratch.appendingPathComponent("notes.jpg")
        try Data("not an image".utf8).write(to: text)
        let truncated = scratch.appendingPathComponent("half.jpg")
        let jpeg = try Data(contentsOf: Fixtures.photo("owl.jpg"))
        try jpeg.prefix(jpeg.count / 2).write(to: truncated)
        let missing = scratch.appendingPathComponent("missing.png")
        let run = try Run.executable("lookout", ["classify", "--model", "mobilenet_v1_0.25_128_quant", "--json",
                                                 text.path, truncated.path, missing.path, try Fixtures.photo("cat.png").path])
        XCTAssertNotEqual(run.status, 0)
        let errors = run.stderr.split(separator: "\n")
        XCTAssertEqual(errors.count, 3, run.stderr)
        for (line, file) in zip(errors, [text, truncated, missing]) {
            XCTAssertTrue(line.contains(file.lastPathComponent), "\(line)")
        }
        XCTAssertEqual(run.stdout.split(separator: "\n").count, 1, "the good image is still classified")
    }

    func testCorruptModelIsAOneLineError() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-model-\(UUID().uuidString).tflite")
        let bytes = try Data(contentsOf: Fixtures.model("mobilenet_v1_0.25_128_quant.tflite"))
        try bytes.prefix(1000).write(to: scratch)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let run = try Run.executable("lookout", ["classify", "--model", scratch.path, try Fixtures.photo("cat.png").path])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains(scratch.path) && run.stderr.contains("not a valid TensorFlow Lite file"), run.stderr)
    }
}
