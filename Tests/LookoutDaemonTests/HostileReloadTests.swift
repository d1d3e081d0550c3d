import Foundation
import LookoutTestSupport
import XCTest

/// lookoutd given hostile inputs, made by the test: a head whose embedding_size the model does not
/// have (100,000 labels × 1: once a read past the weights), a model XNNPACK refuses (once accepted,
/// then fatal at the first frame), a number that overflowed a conversion (once a trap). At start
/// each is a one-line error, a failure status and no READY. (On a reload the same loading refuses
/// them and the running head goes on: DaemonLoopTests.testAReloadMidStreamSwapsAGoodOneAndKeepsItAgainstBadOnes,
/// and NotifyTests for a reload through SIGHUP; the FIFO in the replay folder: ReplayTests.)
final class HostileReloadTests: XCTestCase {
    func testHostileHeadModelAndNumbersAreRefusedAtStart() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-hostile-\(UUID().uuidString)")
        let replay = folder.appendingPathComponent("replay")
        try FileManager.default.createDirectory(at: replay, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for photo in ["cat.png", "hot_dog.jpg"] {
            try FileManager.default.createSymbolicLink(at: replay.appendingPathComponent(photo), withDestinationURL: Fixtures.photo(photo))
        }
        XCTAssertEqual(mkfifo(replay.appendingPathComponent("pipe.jpg").path, 0o600), 0)
        let model = try Fixtures.model("mobilenet_v1_0.25_128_quant.tflite")
        let good = folder.appendingPathComponent("good"), bad = folder.appendingPathComponent("bad")
        try CraftedHead(labels: ["alpha", "beta"], embeddingSize: 512, baseModel: model).write(to: good)
        try CraftedHead(labels: (0..<100_000).map { "label \($0)" }, embeddingSize: 1, baseModel: model).write(to: bad)
        let refusedModel = folder.appendingPathComponent("refused.tflite")
        try Data(TFLiteBuilder.xnnpackRefusedModel()).write(to: refusedModel)

        let config = folder.appendingPathComponent("lookout.yaml")
        func writeConfig(model: String = model.path, head: String? = good.path, maxRate: String = "20") throws {
            try """
                source: {replay: \(replay.path), replay_fps: 10}
                model: {path: \(model)\(head.map { ", head: \($0)" } ?? "")}
                classify: {max_rate: \(maxRate), cpu_budget: 2}
                events: {heartbeat_seconds: 0.5}
                """.write(to: config, atomically: true, encoding: .utf8)
        }
        let hostile: [(name: String, write: () throws -> Void, cause: String)] = [
            ("head", { try writeConfig(head: bad.path) },
             "\(bad.path): head.json: embedding_size 1 does not fit mobilenet_v1_0.25_128_quant.tflite, whose average+max embedding has 512 values"),
            ("model", { try writeConfig(model: refusedModel.path, head: nil) },
             "\(refusedModel.path): XNNPACK failed creating the runtime: "),
            ("number", { try writeConfig(maxRate: "1e-12") }, "\(config.path): classify.max_rate: must be a number from 0.0001 to 1000.0 (got 1e-12)"),
        ]

        // At start: one line on stderr, a failure status, and never READY.
        for (name, write, cause) in hostile {
            try write()
            let socket = try NotifySocket(path: folder.appendingPathComponent("notify-\(name)").path)
            let run = try Run.executable("lookoutd", ["--config", config.path], environment: ["NOTIFY_SOCKET": socket.path])
            XCTAssertNotEqual(run.status, 0, name)
            XCTAssertTrue(run.stderr.hasPrefix("Error: \(cause)") && run.stderr.split(separator: "\n").count == 1, "\(name): \(run.stderr)")
            // It has exited: whatever it sent is already in the socket.
            var sent: [String] = []
            while let message = socket.receive(seconds: 0.2) { sent.append(message) }
            XCTAssertFalse(sent.contains("READY=1"), name)
        }
    }
}
