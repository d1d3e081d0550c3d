import Foundation
import LookoutTestSupport
import XCTest

/// lookoutd end to end on a replayed folder of real photos: the events name what is in them.
final class ReplayTests: XCTestCase {
    func testReplayedPhotosGiveTheirLabels() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Names sort into: six frames of a cat, then eight of a hot dog.
        for i in 1...6 { try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("a\(i).jpg"), withDestinationURL: Fixtures.photo("cat_720p.jpg")) }
        for i in 1...8 { try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("b\(i).png"), withDestinationURL: Fixtures.photo("hotdog_test_0.png")) }
        try Data("not a picture".utf8).write(to: folder.appendingPathComponent("c_notes.jpg"))
        // A FIFO blocked the replay (and with it heartbeats and watchdog pings) for good: now skipped.
        XCTAssertEqual(mkfifo(folder.appendingPathComponent("c_pipe.jpg").path, 0o600), 0)

        let run = try Run.executable("lookoutd", ["--source", folder.path, "--model", "mobilenet_v1_1.0_224"], environment: [
            "LOOKOUT_SOURCE_REPLAY_LOOP": "false", "LOOKOUT_SOURCE_REPLAY_FPS": "0", "LOOKOUT_CLASSIFY_MAX_RATE": "50",
            "LOOKOUT_CLASSIFY_CPU_BUDGET": "2", "LOOKOUT_EVENTS_THRESHOLD": "0.3", "LOOKOUT_EVENTS_HEARTBEAT_SECONDS": "0.5",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        let events = try run.stdout.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let changes = events.filter { $0["event"] as? String != "heartbeat" }.map { "\($0["event"]!) \($0["label"]!)" }
        // The replay's end stops lookoutd, which ends the label still active: every start has its end.
        XCTAssertEqual(changes.count, 4, "\(changes)")
        XCTAssertTrue(changes.first?.hasPrefix("started") == true && changes.first!.lowercased().contains("cat"), "\(changes)")
        XCTAssertEqual(changes.dropFirst().first, changes.first?.replacingOccurrences(of: "started", with: "ended"))
        XCTAssertEqual(changes.dropLast().last, "started hotdog, hot dog, red hot")
        XCTAssertEqual(changes.last, "ended hotdog, hot dog, red hot")
        let started = try XCTUnwrap(events.first { $0["event"] as? String == "started" })
        XCTAssertEqual(started["camera"] as? String, folder.path)
        XCTAssertEqual((started["top"] as? [[String: Any]])?.count, 5)
        XCTAssertNotNil(started["captured_at"] as? String)
        XCTAssertGreaterThan(started["latency_ms"] as? Double ?? 0, 0)
        let heartbeat = try XCTUnwrap(events.first { $0["event"] as? String == "heartbeat" })
        for key in ["fps", "dropped", "cpu_cores", "classifications"] { XCTAssertNotNil(heartbeat[key], key) }
        XCTAssertTrue(run.stderr.contains("c_notes.jpg") && run.stderr.contains("not a JPEG or PNG"), "a bad frame is logged and skipped")
        XCTAssertTrue(run.stderr.contains("replay: skipped \(folder.path)/c_pipe.jpg: a FIFO, not a regular file\n"), run.stderr)
    }

    func testBadConfigIsAOneLineErrorNamingTheKey() throws {
        let run = try Run.executable("lookoutd", ["--source", "/tmp"], environment: ["LOOKOUT_CLASSIFY_CPU_BUDGET": "none"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("classify.cpu_budget"), run.stderr)
    }
}

final class ShutdownTests: XCTestCase {
    /// SIGTERM while classifying: lookoutd stops gracefully, with status 0, within 2 seconds.
    func testSIGTERMStopsCleanlyWithinTwoSeconds() throws {
        let process = Process()
        process.executableURL = Fixtures.program("lookoutd")
        process.arguments = ["--source", try Fixtures.photo("cat.png").deletingLastPathComponent().path,
                             "--model", "mobilenet_v1_0.25_128_quant"]
        process.environment = Fixtures.environment(["LOOKOUT_SOURCE_REPLAY_FPS": "20", "LOOKOUT_EVENTS_HEARTBEAT_SECONDS": "0.2"])
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first event line shows the pipeline is running (and the signal handlers are in place).
        var seen = Data()
        while !seen.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        XCTAssertTrue(process.isRunning, "still replaying in a loop")
        let stopped = Date()
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertLessThan(Date().timeIntervalSince(stopped), 2)
    }
}
