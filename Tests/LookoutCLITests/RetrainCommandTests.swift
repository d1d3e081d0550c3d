import Foundation
import LookoutTestSupport
import XCTest

final class RetrainCommandTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-cli-retrain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    /// Links (not copies) every image of `labels` into a dataset folder.
    /// The first `perLabel` pictures (by name) of each Caltech-101 label, linked.
    func dataset(_ labels: [String], perLabel: Int = .max) throws -> URL {
        let source = try Fixtures.require(Fixtures.shared.appendingPathComponent("datasets/caltech101"))
        let data = scratch.appendingPathComponent("data")
        for label in labels {
            try FileManager.default.createDirectory(at: data.appendingPathComponent(label), withIntermediateDirectories: true)
            for file in try FileManager.default.contentsOfDirectory(atPath: source.appendingPathComponent(label).path).sorted().prefix(perLabel) {
                try FileManager.default.createSymbolicLink(at: data.appendingPathComponent("\(label)/\(file)"),
                                                           withDestinationURL: source.appendingPathComponent("\(label)/\(file)"))
            }
        }
        return data
    }

    /// SIGKILL in the middle of embedding: no bundle appears, the cache stays loadable, and the
    /// next run reuses what the killed one saved.
    func testKilledRunLosesNothingAndCorruptsNothing() throws {
        // 300 pictures, a checkpoint every 50: the kill after the first leaves most of the run to lose.
        // The smallest base model keeps it to minutes under qemu-user, where float MobileNet 1.0 takes
        // about 9 s an image; what it checks does not depend on the model.
        let model = "mobilenet_v1_0.25_128_quant"
        let data = try dataset(["Faces_easy", "Motorbikes", "airplanes", "Leopards", "watch"], perLabel: 60)
        let output = scratch.appendingPathComponent("head"), cache = scratch.appendingPathComponent("cache")
        let arguments = ["retrain", "--model", model, "--data", data.path, "--output", output.path,
                         "--cache", cache.path, "--threads", "2", "--checkpoint-every", "50", "--json"]
        let process = Process()
        process.executableURL = Fixtures.program("lookout")
        process.arguments = arguments
        process.environment = Fixtures.environment()
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        // Wait for the first checkpoint (50 embeddings) however long the machine takes, with no
        // deadline: the run itself ends the wait. Then kill mid-way through the rest.
        func checkpointed() -> Bool {
            ((try? FileManager.default.contentsOfDirectory(atPath: cache.path)) ?? []).contains { $0.hasPrefix("embeddings-") }
        }
        var ended = false
        while !ended, !checkpointed() { ended = exited.wait(timeout: .now() + 0.01) == .success }
        XCTAssertFalse(ended, "the run checkpoints before it ends")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "no half-written bundle")

        let run = try Run.executable("lookout", arguments)
        XCTAssertEqual(run.status, 0, run.stderr)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertGreaterThanOrEqual(summary["embeddingsReused"] as? Int ?? 0, 50, "the killed run's checkpoint is reused")
        XCTAssertGreaterThan(summary["embeddingsComputed"] as? Int ?? 0, 0, "the killed run did not finish the embeddings")
        XCTAssertEqual((summary["embeddingsReused"] as? Int ?? 0) + (summary["embeddingsComputed"] as? Int ?? 0),
                       (summary["trainImages"] as? Int ?? 0) + (summary["validationImages"] as? Int ?? 0))
        XCTAssertGreaterThan(summary["validationTop1"] as? Double ?? 0, 0.95)

        // eval with the new head, on a folder that also has a label the head does not know.
        try FileManager.default.createDirectory(at: data.appendingPathComponent("owl"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.photo("owl.jpg"), to: data.appendingPathComponent("owl/owl.jpg"))
        let eval = try Run.executable("lookout", ["eval", "--model", model, "--head", output.path,
                                                  "--data", data.path, "--cache", cache.path, "--json"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["unknown_labels"] as? [String], ["owl"])
        XCTAssertGreaterThan(report["top1"] as? Double ?? 0, 0.97, "mostly training images, so near perfect")
        XCTAssertEqual((report["per_class"] as? [String: Any])?.count, 5)

        // classify --head speaks the head's labels.
        let face = try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("Faces_easy").path).sorted()[0]
        let classify = try Run.executable("lookout", ["classify", "--model", model, "--head", output.path,
                                                      "--top", "1", data.appendingPathComponent("Faces_easy/\(face)").path])
        XCTAssertEqual(classify.status, 0, classify.stderr)
        XCTAssertTrue(classify.stdout.contains("Faces_easy"), classify.stdout)
        // It frames the picture as the head was trained (the whole of it), unless told otherwise.
        func scores(_ extra: [String]) throws -> String {
            let run = try Run.executable("lookout", ["classify", "--model", model, "--head", output.path, "--json"]
                                         + extra + [data.appendingPathComponent("Faces_easy/\(face)").path])
            XCTAssertEqual(run.status, 0, run.stderr)
            let result = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
            let top = result?["top"] as? [[String: Any]] ?? []
            XCTAssertEqual(top.count, 5, run.stdout)
            return top.map { "\($0["label"] ?? "?")=\($0["score"] ?? "?")" }.joined(separator: " ")
        }
        XCTAssertEqual(try scores([]), try scores(["--crop", "none"]))
        XCTAssertNotEqual(try scores([]), try scores(["--crop", "center"]))
        // … and refuses a head trained on another base model.
        let mismatch = try Run.executable("lookout", ["classify", "--model", "mobilenet_v1_0.5_160_quant", "--head", output.path,
                                                      data.appendingPathComponent("Faces_easy/\(face)").path])
        XCTAssertNotEqual(mismatch.status, 0)
        XCTAssertTrue(mismatch.stderr.contains("trained on \(model).tflite"), mismatch.stderr)
    }
}

/// The commands that take untrusted inputs refuse hostile ones in one line on stderr, exit 1, and
/// leave the user's files alone.
final class HostileInputCommandTests: XCTestCase {
    func testRetrainRefusesToReplaceAFolderOfUserFiles() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-cli-output-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let documents = scratch.appendingPathComponent("documents")
        try FileManager.default.createDirectory(at: documents, withIntermediateDirectories: true)
        try Data("my thesis".utf8).write(to: documents.appendingPathComponent("thesis.txt"))
        let run = try Run.executable("lookout", ["retrain", "--model", "mobilenet_v1_0.25_128_quant", "--data", Fixtures.shared.path,
                                                 "--output", documents.path, "--cache", scratch.appendingPathComponent("cache").path])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stderr, "Error: \(documents.path): exists and is not a head bundle (it holds thesis.txt); nothing was changed\n")
        XCTAssertEqual(try String(contentsOf: documents.appendingPathComponent("thesis.txt"), encoding: .utf8), "my thesis")
    }

    /// classify --head and eval with a head whose embedding_size the model does not have (100,000
    /// labels × 1: once a read past the weights), and an image that is a FIFO.
    func testClassifyAndEvalRefuseACraftedHeadAndAFIFO() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-cli-head-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let head = scratch.appendingPathComponent("head")
        try CraftedHead(labels: (0..<100_000).map { "label \($0)" }, embeddingSize: 1,
                        baseModel: try Fixtures.model("mobilenet_v1_0.25_128_quant.tflite")).write(to: head)
        let expected = "\(head.path): head.json: embedding_size 1 does not fit mobilenet_v1_0.25_128_quant.tflite, "
            + "whose average+max embedding has 512 values"
        let photo = try Fixtures.photo("cat.png").path
        let classify = try Run.executable("lookout", ["classify", "--model", "mobilenet_v1_0.25_128_quant", "--head", head.path, photo])
        XCTAssertEqual(classify.status, 1)
        XCTAssertEqual(classify.stderr, "Error: \(expected)\n")
        let eval = try Run.executable("lookout", ["eval", "--model", "mobilenet_v1_0.25_128_quant", "--head", head.path,
                                                  "--data", scratch.path, "--cache", scratch.appendingPathComponent("cache").path])
        XCTAssertEqual(eval.status, 1)
        XCTAssertEqual(eval.stderr, "Error: \(expected)\n")

        let fifo = scratch.appendingPathComponent("frame.jpg").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let blocked = try Run.executable("lookout", ["classify", "--model", "mobilenet_v1_0.25_128_quant", fifo, photo])
        XCTAssertEqual(blocked.status, 1, "the FIFO fails, the photo is still classified")
        XCTAssertEqual(blocked.stderr, "lookout: \(fifo): a FIFO, not a regular file\n")
        XCTAssertTrue(blocked.stdout.contains(photo), blocked.stdout)
    }
}
