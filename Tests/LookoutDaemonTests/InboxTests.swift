import Foundation
import LookoutDaemon
import LookoutEvents
import LookoutImaging
import LookoutTestSupport
import LookoutLog
import XCTest

final class InboxTests: XCTestCase {
    let context = EventContext(camera: "/dev/video0", modelSHA256: "abc", head: nil)

    func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("inbox-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func testBandRateLimitQuotaAndSidecar() throws {
        let path = try folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let cat = try ImagePreprocessor.load(file: Fixtures.photo("cat.png").path, size: 224)
        let log = LogLines()
        let inbox = Inbox(settings: .init(path: path, uncertain: 0.3..<0.6, onStarted: true, minIntervalSeconds: 5, maxBytes: 60_000),
                          logger: log.logger)
        let unsure: [(label: String, score: Float)] = [("tabby", 0.45), ("Egyptian cat", 0.40)]
        let sure: [(label: String, score: Float)] = [("tabby", 0.95)]
        XCTAssertEqual(inbox.reason(top: unsure, started: false), .uncertain)
        XCTAssertNil(inbox.reason(top: sure, started: false), "a confident frame is not a hard example")
        XCTAssertEqual(inbox.reason(top: sure, started: true), .started)

        let first = try XCTUnwrap(inbox.save(cat, reason: .uncertain, top: unsure, frame: 7, capturedAt: Date(), context: context, now: 100).path)
        XCTAssertTrue(first.hasPrefix("\(path)/tabby/") && first.hasSuffix("-7.jpg"), first)
        XCTAssertEqual(try ImageDecoder.decode(file: first).width, 224, "a readable JPEG of the model's input")
        let sidecar = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: String(first.dropLast(4)) + ".json"))) as? [String: Any]
        XCTAssertEqual(sidecar?["reason"] as? String, "uncertain")
        XCTAssertEqual((sidecar?["top"] as? [[String: Any]])?.first?["label"] as? String, "tabby")
        XCTAssertEqual(inbox.save(cat, reason: .uncertain, top: unsure, frame: 8, capturedAt: Date(), context: context, now: 103),
                       .rateLimited, "rate limit: one snapshot per 5 s")
        XCTAssertNotNil(inbox.save(cat, reason: .started, top: sure, frame: 9, capturedAt: Date(), context: context, now: 105).path)
        // The quota (60 kB) lets a few ~15 kB snapshots in, then stops, saying so once.
        var now = 110.0
        while inbox.save(cat, reason: .uncertain, top: unsure, frame: UInt64(now), capturedAt: Date(), context: context, now: now).path != nil { now += 5 }
        XCTAssertEqual(inbox.save(cat, reason: .uncertain, top: unsure, frame: 999, capturedAt: Date(), context: context, now: now + 5),
                       .skipped, "over quota: skipped, not rate-limited")
        XCTAssertEqual(inbox.save(cat, reason: .uncertain, top: unsure, frame: 1000, capturedAt: Date(), context: context, now: now + 100),
                       .skipped, "still over quota a minute later")
        XCTAssertLessThanOrEqual(Inbox.size(of: path), 60_000)
        XCTAssertEqual(log.lines.filter { $0.contains("reached its quota") }.count, 1, "\(log.lines)")
    }

    /// A real full disk (a 64 kB tmpfs): lookoutd keeps classifying, stops saving, says so once,
    /// and leaves no snapshot without its sidecar.
    func testFullDiskStopsSavingNotTheDaemon() throws {
        let path = try folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard mount(path) else { throw XCTSkip("cannot mount a tmpfs here (needs root)") }
        defer { _ = Process.run("/bin/umount", [path]) }
        let replay = try folder()
        defer { try? FileManager.default.removeItem(atPath: replay) }
        // 16 frames of 4 photos: more snapshots than 64 kB hold.
        for i in 0..<16 {
            let photo = ["cat.png", "hot_dog.jpg", "owl.jpg", "parrot.jpg"][i % 4]
            try FileManager.default.createSymbolicLink(atPath: "\(replay)/\(String(format: "%02d", i)).\((photo as NSString).pathExtension)",
                                                       withDestinationPath: try Fixtures.photo(photo).path)
        }
        let run = try Run.executable("lookoutd", ["--source", replay, "--model", "mobilenet_v1_0.25_128_quant"], environment: [
            "LOOKOUT_INBOX_PATH": path, "LOOKOUT_INBOX_MIN_INTERVAL_SECONDS": "0", "LOOKOUT_INBOX_UNCERTAIN_LOW": "0",
            "LOOKOUT_INBOX_UNCERTAIN_HIGH": "1", "LOOKOUT_SOURCE_REPLAY_LOOP": "false", "LOOKOUT_SOURCE_REPLAY_FPS": "0",
            "LOOKOUT_CLASSIFY_MAX_RATE": "50", "LOOKOUT_CLASSIFY_CPU_BUDGET": "2", "LOOKOUT_EVENTS_HEARTBEAT_SECONDS": "0.1",
            "LOOKOUT_EVENTS_MIN_FRAMES": "1", "LOOKOUT_EVENTS_WINDOW": "1", "LOOKOUT_EVENTS_THRESHOLD": "0.2",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderr.components(separatedBy: "not saving snapshots").count - 1, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("inbox: disk full at \(path); not saving snapshots until space is freed"), run.stderr)
        let beats = run.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["event"] as? String == "heartbeat" }
        XCTAssertGreaterThanOrEqual(beats.compactMap { $0["inbox_skipped"] as? Int }.max() ?? 0, 1, "skipped snapshots are counted")
        // Relative to the heartbeat that first counts a skipped snapshot (every frame is classified:
        // replay_fps 0), so the heartbeats' timing does not matter.
        let classifiedWhenFull = try XCTUnwrap(beats.first { ($0["inbox_skipped"] as? Int ?? 0) >= 1 }?["classifications"] as? Int)
        XCTAssertGreaterThan(beats.compactMap { $0["classifications"] as? Int }.max() ?? 0, classifiedWhenFull,
                             "classification went on after the disk filled")
        let files = FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []
        let jpegs = files.filter { $0.hasSuffix(".jpg") }
        XCTAssertGreaterThan(jpegs.count, 0, "some snapshots fit before the disk filled")
        for jpeg in jpegs { XCTAssertTrue(files.contains(String(jpeg.dropLast(4)) + ".json"), "\(jpeg) has its sidecar") }
        XCTAssertFalse(files.contains { $0.contains(".tmp-") }, "no half-written files: \(files)")
        let started = run.stdout.split(separator: "\n").filter { $0.contains("\"started\"") }
        XCTAssertGreaterThan(started.count, 0)
        XCTAssertTrue(started.contains { $0.contains("\"snapshot\":\"\(path)/") }, "a started event names its snapshot")
        XCTAssertLessThanOrEqual(beats.compactMap { $0["inbox_saved"] as? Int }.max() ?? 0, jpegs.count)

        // Space comes back: saving resumes at the next try (a minute on), and says so.
        let log = LogLines()
        let inbox = Inbox(settings: .init(path: path, uncertain: 0..<1, onStarted: true, minIntervalSeconds: 0, maxBytes: 1_000_000),
                          logger: log.logger)
        let cat = try ImagePreprocessor.load(file: Fixtures.photo("cat.png").path, size: 224)
        let top: [(label: String, score: Float)] = [("tabby", 0.5)]
        var now = 0.0
        while inbox.save(cat, reason: .uncertain, top: top, frame: 1, capturedAt: Date(), context: context, now: now).path != nil { now += 1 }
        XCTAssertEqual(inbox.save(cat, reason: .uncertain, top: top, frame: 2, capturedAt: Date(), context: context, now: now + 1), .skipped)
        for file in try FileManager.default.contentsOfDirectory(atPath: path) { try FileManager.default.removeItem(atPath: "\(path)/\(file)") }
        XCTAssertNotNil(inbox.save(cat, reason: .uncertain, top: top, frame: 3, capturedAt: Date(), context: context, now: now + 61).path)
        XCTAssertEqual(log.lines.filter { $0.contains("disk full") }.count, 1, "\(log.lines)")
        XCTAssertTrue(log.lines.contains("inbox: saving snapshots into \(path) again"), "\(log.lines)")
    }

    func mount(_ path: String) -> Bool {
        Process.run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", path]) == 0
    }
}

extension Process {
    static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }
}

/// A logger whose lines the test can read.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [String] = []
    var lines: [String] { lock.withLock { collected } }

    var logger: Logger {
        Logger(label: "test", handler: Handler(sink: self), minimumLevel: .trace)
    }

    struct Handler: LogHandler {
        let sink: LogLines
        func log(_ entry: LogEntry) { sink.lock.withLock { sink.collected.append(entry.message) } }
    }
}

/// Labels come from heads, which are untrusted: whatever a label says, its snapshots land in a folder
/// of their own directly inside the inbox, counted by its quota.
final class InboxLabelTests: XCTestCase {
    func testLabelsNeverLeaveTheInboxNorShareAFolder() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("inbox-labels-\(UUID().uuidString)")
        let inbox = root.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let labels = ["..", ".", "../../etc", "/", "a/b", "a_b", "a\u{0}b", "a\nb", "\u{1B}[31mred", ".hidden", "",
                      String(repeating: "x", count: 5000), String(repeating: "x", count: 5000) + "y", "tabby, tabby cat", "a_b~0"]
        let cat = try ImagePreprocessor.load(file: Fixtures.photo("cat.png").path, size: 224)
        let store = Inbox(settings: .init(path: inbox.path, uncertain: 0..<1, onStarted: true, minIntervalSeconds: 0, maxBytes: 10_000_000),
                          logger: LogLines().logger)
        var folders: [String: String] = [:]
        for (i, label) in labels.enumerated() {
            let saved = try XCTUnwrap(store.save(cat, reason: .started, top: [(label, 0.9)], frame: UInt64(i), capturedAt: Date(),
                                                 context: EventContext(camera: "c", modelSHA256: "m", head: nil), now: Double(i)).path, label)
            let folder = URL(fileURLWithPath: saved).deletingLastPathComponent()
            XCTAssertEqual(folder.deletingLastPathComponent().standardized.path, inbox.standardized.path, "\(label.debugDescription) → \(saved)")
            let name = folder.lastPathComponent
            XCTAssertFalse(name.hasPrefix(".") || name.contains("/") || name.unicodeScalars.contains { $0.value < 0x20 }, name)
            XCTAssertLessThanOrEqual(name.utf8.count, 120)
            XCTAssertNil(folders[name], "\(label.debugDescription) and \(folders[name]?.debugDescription ?? "") share \(name)")
            folders[name] = label
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), ["inbox"], "nothing written beside the inbox")
        XCTAssertEqual(Inbox.folderName(for: "tabby, tabby cat"), "tabby, tabby cat", "ordinary labels keep their names")
        XCTAssertGreaterThan(Inbox.size(of: inbox.path), labels.count * 1000, "all of it counted by the quota")
    }
}
