import Foundation
import LookoutDaemon
import LookoutImaging
import XCTest

/// The live view's frame is written only while the marker is fresh, at most max_rate a second,
/// and removed once the marker goes stale.
final class LiveFrameTests: XCTestCase {
    func testWrittenOnlyWhileWatchedThrottledAndRemovedWhenStale() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = LogLines()
        let live = LiveFrame(settings: .init(path: folder.path, maxRate: 2, watchSeconds: 10), logger: log.logger)
        let marker = folder.appendingPathComponent(LiveFrame.markerName).path
        let frame = folder.appendingPathComponent(LiveFrame.frameName).path
        XCTAssertTrue(FileManager.default.fileExists(atPath: marker), "the marker is made, stale")
        XCTAssertFalse(live.watched())
        let image = RGBImage(width: 8, height: 8, pixels: [UInt8](repeating: 128, count: 8 * 8 * 3))
        live.offer(image, top: [("cat", 0.9)], frame: 1, capturedAt: Date(), now: 100)
        XCTAssertFalse(FileManager.default.fileExists(atPath: frame), "nobody watches: nothing encoded")

        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: marker)
        XCTAssertTrue(live.watched())
        live.offer(image, top: [("cat", 0.9)], frame: 2, capturedAt: Date(), now: 101)
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: frame))
        XCTAssertEqual(Array(jpeg.prefix(3)), [0xFF, 0xD8, 0xFF])
        let labels = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(LiveFrame.labelsName))) as? [String: Any]
        XCTAssertEqual(labels?["frame"] as? Int, 2)

        live.offer(image, top: [("dog", 0.9)], frame: 3, capturedAt: Date(), now: 101.2)
        let again = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(LiveFrame.labelsName))) as? [String: Any]
        XCTAssertEqual(again?["frame"] as? Int, 2, "within 1 / max_rate: not written")

        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-11)], ofItemAtPath: marker)
        live.offer(image, top: [("dog", 0.9)], frame: 4, capturedAt: Date(), now: 102)
        XCTAssertFalse(FileManager.default.fileExists(atPath: frame), "the marker went stale: the frame is removed")
        XCTAssertEqual(log.lines, [])
    }

    func testAMissingFolderIsSaidAtStart() {
        let log = LogLines()
        let live = LiveFrame(settings: .init(path: "/nonexistent/live", maxRate: 2, watchSeconds: 10), logger: log.logger)
        XCTAssertFalse(live.watched())
        XCTAssertEqual(log.lines, ["live view: /nonexistent/live: cannot make the watch marker (No such file or directory); no frames will be written"])
    }

    func testSettingsHaveRanges() throws {
        let defaults = try DaemonConfig.load(file: nil, environment: [:])
        XCTAssertEqual([defaults.live.path == nil ? 0 : 1, defaults.live.maxRate, defaults.live.watchSeconds], [0, 2, 10])
        for (key, value) in [("LOOKOUT_LIVE_MAX_RATE", "11"), ("LOOKOUT_LIVE_WATCH_SECONDS", "0")] {
            XCTAssertThrowsError(try DaemonConfig.load(file: nil, environment: [key: value])) { error in
                XCTAssertTrue("\(error)".contains(key.dropFirst(8).lowercased().replacingOccurrences(of: "live_", with: "live.")), "\(error)")
            }
        }
    }
}
