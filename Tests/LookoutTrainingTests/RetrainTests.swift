import Foundation
import LookoutClassifier
import LookoutTestSupport
@testable import LookoutTraining
import XCTest

final class RetrainTests: XCTestCase {
    var scratch: URL!
    let model = "mobilenet_v1_0.25_128_quant.tflite"  // the fastest real base model
    let width = 256  // its global pool's channels

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-retrain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    /// A dataset of real Caltech-101 images: `perClass` images of each label, copied into `folder`.
    func caltech(_ labels: [String], perClass: Int, into folder: String = "data") throws -> URL {
        let source = try Fixtures.require(Fixtures.shared.appendingPathComponent("datasets/caltech101"))
        let data = scratch.appendingPathComponent(folder)
        for label in labels {
            let dir = data.appendingPathComponent(label)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let files = try FileManager.default.contentsOfDirectory(atPath: source.appendingPathComponent(label).path).sorted()
            for file in files.prefix(perClass) {
                try FileManager.default.copyItem(at: source.appendingPathComponent("\(label)/\(file)"), to: dir.appendingPathComponent(file))
            }
        }
        return data
    }

    func options(_ data: URL) throws -> RetrainOptions {
        let url = try Fixtures.model(model)
        var o = RetrainOptions(model: url, modelSHA256: try Fixtures.sha256(url), data: data,
                               output: scratch.appendingPathComponent("head"), cache: scratch.appendingPathComponent("cache"))
        o.validationPercent = 25
        return o
    }

    final class Silent: ProgressSink {
        func begin(_ stage: String, total: Int) {}
        func update(_ done: Int) {}
        func end() {}
    }

    func testRetrainsAHeadThatRecognisesTheLabels() throws {
        let data = try caltech(["Faces_easy", "Leopards", "Motorbikes", "airplanes", "accordion"], perClass: 24)
        let o = try options(data)
        let (manifest, report) = try Retrainer.run(o, progress: Silent())
        XCTAssertEqual(manifest.labels, ["Faces_easy", "Leopards", "Motorbikes", "accordion", "airplanes"])
        XCTAssertEqual(report.trainImages + report.validationImages, 120)
        XCTAssertGreaterThan(report.validationImages, 15)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(report.validation).top1, 0.9, "these five classes are easy to tell apart")
        for file in ["head.json", "head.safetensors", "report.json", "report.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: o.output.appendingPathComponent(file).path), file)
        }
        let html = try String(contentsOf: o.output.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<svg") && html.contains("Per class"), "heat map and per-class table")

        // The bundle loads, and applies to embeddings the way the report measured it.
        let head = try Head.load(o.output, baseModelSHA256: o.modelSHA256, baseModelName: model, baseEmbeddingSize: width)
        XCTAssertEqual(head.labels, manifest.labels)
        XCTAssertEqual(head.preprocessing, Preprocessing(crop: .none, pooling: .averageAndMax), "retrain's default, kept in the bundle")
        XCTAssertEqual(head.manifest.embeddingSize, 2 * 256)
        let json = try String(contentsOf: o.output.appendingPathComponent("head.json"), encoding: .utf8)
        XCTAssertTrue(json.contains("\"crop\" : \"none\"") && json.contains("\"pooling\" : \"average+max\""), json)
        XCTAssertEqual(head.manifest.metrics.validationTop1, report.validation?.top1)

        // Second run: every embedding comes from the cache, and the same head comes out.
        let (_, again) = try Retrainer.run(o, progress: Silent())
        XCTAssertEqual(again.embeddingsComputed, 0)
        XCTAssertEqual(again.embeddingsReused, 120)
        XCTAssertEqual(try Head.load(o.output, baseModelSHA256: o.modelSHA256, baseModelName: model, baseEmbeddingSize: width).weights, head.weights,
                       "deterministic for the same input")

        // A changed file is recomputed, the rest reused.
        let victim = data.appendingPathComponent("Leopards").appendingPathComponent(
            try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("Leopards").path).sorted()[0])
        try FileManager.default.removeItem(at: victim)
        try FileManager.default.copyItem(at: Fixtures.photo("owl.jpg"), to: victim)
        let (_, changed) = try Retrainer.run(o, progress: Silent())
        XCTAssertEqual(changed.embeddingsComputed, 1)
        XCTAssertEqual(changed.embeddingsReused, 119)
    }

    /// Bundles written before `pooling` was recorded load as centre-cropped, average-pooled heads;
    /// a crop this version does not know is refused, naming the bundle and the value.
    func testOlderAndUnknownPreprocessing() throws {
        let data = try caltech(["Faces_easy", "Motorbikes"], perClass: 6)
        var o = try options(data)
        o.preprocessing = Preprocessing(crop: .standard, pooling: .average)
        let (manifest, _) = try Retrainer.run(o, progress: Silent())
        XCTAssertEqual(manifest.embeddingSize, 256)
        let file = o.output.appendingPathComponent("head.json")
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        XCTAssertEqual((object["input"] as? [String: Any])?["crop"] as? String, "center 0.875")
        object["pooling"] = nil
        try JSONSerialization.data(withJSONObject: object).write(to: file)
        let old = try Head.load(o.output, baseModelSHA256: o.modelSHA256, baseModelName: model, baseEmbeddingSize: width)
        XCTAssertEqual(old.preprocessing, Preprocessing(crop: .center(fraction: 0.875), pooling: .average))

        var input = try XCTUnwrap(object["input"] as? [String: Any])
        input["crop"] = "letterbox"
        object["input"] = input
        try JSONSerialization.data(withJSONObject: object).write(to: file)
        XCTAssertThrowsError(try Head.load(o.output, baseModelSHA256: o.modelSHA256, baseModelName: model, baseEmbeddingSize: width)) {
            XCTAssertEqual("\($0)", "\(o.output.path): head.json: input.crop 'letterbox' is neither 'none' nor 'center F' (0 < F ≤ 1)")
        }
    }

    func testBadFilesAreSkippedCountedAndReported() throws {
        let data = try caltech(["Faces_easy", "Motorbikes"], perClass: 12)
        let faces = data.appendingPathComponent("Faces_easy")
        let jpeg = try Data(contentsOf: Fixtures.photo("owl.jpg"))
        try jpeg.prefix(jpeg.count / 3).write(to: faces.appendingPathComponent("corrupt.jpg"))
        try Data("this is a shopping list".utf8).write(to: faces.appendingPathComponent("notes.jpg"))
        try Data().write(to: faces.appendingPathComponent("empty.jpg"))
        try FileManager.default.createSymbolicLink(atPath: faces.appendingPathComponent("gone.jpg").path,
                                                   withDestinationPath: "/nonexistent/picture.jpg")
        // Neither blocks the scan: a FIFO without a writer, a device that never ends.
        XCTAssertEqual(mkfifo(faces.appendingPathComponent("pipe.jpg").path, 0o600), 0)
        try FileManager.default.createSymbolicLink(atPath: faces.appendingPathComponent("zero.jpg").path, withDestinationPath: "/dev/zero")
        try FileManager.default.createDirectory(at: data.appendingPathComponent("nothing_here"), withIntermediateDirectories: true)
        let single = data.appendingPathComponent("owl")
        try FileManager.default.createDirectory(at: single, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.photo("owl.jpg"), to: single.appendingPathComponent("owl.jpg"))

        let (manifest, report) = try Retrainer.run(try options(data), progress: Silent())
        XCTAssertEqual(manifest.labels, ["Faces_easy", "Motorbikes", "owl"])
        XCTAssertEqual(report.emptyLabels, ["nothing_here"])
        let skipped = Dictionary(uniqueKeysWithValues: report.skipped.map { ($0.image, $0.reason) })
        XCTAssertEqual(Set(skipped.keys), ["Faces_easy/corrupt.jpg", "Faces_easy/notes.jpg", "Faces_easy/empty.jpg", "Faces_easy/gone.jpg",
                                           "Faces_easy/pipe.jpg", "Faces_easy/zero.jpg"])
        XCTAssertEqual(skipped["Faces_easy/pipe.jpg"], "a FIFO, not a regular file")
        XCTAssertEqual(skipped["Faces_easy/zero.jpg"], "a device, not a regular file")
        XCTAssertTrue(skipped["Faces_easy/corrupt.jpg"]!.contains("corrupt or truncated JPEG"), skipped["Faces_easy/corrupt.jpg"]!)
        XCTAssertTrue(skipped["Faces_easy/notes.jpg"]!.contains("not a JPEG or PNG"), skipped["Faces_easy/notes.jpg"]!)
        XCTAssertTrue(skipped["Faces_easy/empty.jpg"]!.contains("empty file"), skipped["Faces_easy/empty.jpg"]!)
        XCTAssertTrue(skipped["Faces_easy/gone.jpg"]!.contains("No such file"), skipped["Faces_easy/gone.jpg"]!)
        // The label with one image keeps it for training.
        XCTAssertEqual(report.trainImages + report.validationImages, 25)
        let html = try String(contentsOf: scratch.appendingPathComponent("head/report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("notes.jpg") && html.contains("nothing_here"))
    }

    func testFoldersWithoutLabelsAreErrors() throws {
        let empty = scratch.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        XCTAssertThrowsError(try Retrainer.run(try options(empty), progress: Silent())) { error in
            XCTAssertTrue("\(error)".contains("no label folders"), "\(error)")
        }
        let one = try caltech(["Faces_easy"], perClass: 3, into: "one")
        XCTAssertThrowsError(try Retrainer.run(try options(one), progress: Silent())) { error in
            XCTAssertTrue("\(error)".contains("at least 2"), "\(error)")
        }
    }

    func testHeadFromAnotherBaseModelIsRefusedNamingBoth() throws {
        let data = try caltech(["Faces_easy", "Motorbikes"], perClass: 6)
        let o = try options(data)
        _ = try Retrainer.run(o, progress: Silent())
        let other = try Fixtures.sha256(Fixtures.model("mobilenet_v1_1.0_224.tflite"))
        XCTAssertThrowsError(try Head.load(o.output, baseModelSHA256: other, baseModelName: "mobilenet_v1_1.0_224.tflite", baseEmbeddingSize: 1024)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(o.modelSHA256) && text.contains(other) && text.contains(self.model), text)
        }
    }

    func testSplitIsStableWhenImagesAreAdded() throws {
        let data = try caltech(["Faces_easy", "Motorbikes"], perClass: 40)
        let before = try Dataset.scan(data, validationPercent: 20)
        _ = try caltech(["Leopards"], perClass: 10)
        try FileManager.default.copyItem(at: Fixtures.photo("owl.jpg"), to: data.appendingPathComponent("Faces_easy/zz_new.jpg"))
        let after = Dictionary(uniqueKeysWithValues: try Dataset.scan(data, validationPercent: 20).images.map { ($0.relativePath, $0.isValidation) })
        for image in before.images { XCTAssertEqual(after[image.relativePath], image.isValidation, image.relativePath) }
        let share = Double(before.images.filter(\.isValidation).count) / Double(before.images.count)
        XCTAssertEqual(share, 0.2, accuracy: 0.1)
    }

    func testSafetensorsRoundTrip() throws {
        let weights: [Float] = (0..<12).map { Float($0) * 0.5 - 2 }, bias: [Float] = [1, -1, 0.25]
        let bytes = SafeTensors.write(["weight": (weights, [3, 4]), "bias": (bias, [3])])
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
        XCTAssertEqual((8 + headerLength) % 8, 0, "data starts 8-byte aligned")
        let back = try SafeTensors.read(bytes, name: "t")
        XCTAssertEqual(back["weight"]?.values, weights)
        XCTAssertEqual(back["weight"]?.shape, [3, 4])
        XCTAssertEqual(back["bias"]?.values, bias)
        XCTAssertThrowsError(try SafeTensors.read(Array(bytes.prefix(bytes.count - 4)), name: "cut.safetensors"))
    }
}
