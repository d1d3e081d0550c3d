import Foundation
@testable import LookoutCamera
import LookoutClock
import LookoutDaemon
import LookoutFiles
import LookoutImaging
import LookoutTestSupport
import LookoutLog
import XCTest

/// lookoutd's pipeline on an embedded frame source standing in for the camera (as swift-nio tests
/// a channel with `EmbeddedChannel`): raw camera frames in, events and log lines out, frame by frame.
final class EmbeddedSourceTests: XCTestCase {
    /// Hands over prepared frames one at a time, the next only once the pipeline has taken the
    /// previous one (converted it, or failed to), so no frame is replaced by a newer one. With
    /// `stall`, it then stops sending without finishing, as a camera that hangs.
    struct EmbeddedSource: FrameSource {
        let made: [Frame]
        var stall = false
        var name: String { "embedded" }

        init(raw: [RawFrame], stall: Bool = false) {
            made = raw.enumerated().map { i, raw in
                Frame(number: UInt64(i + 1), capturedAt: monotonicSeconds(), wallClock: Date(),
                      thumbnail: { try raw.thumbnail(side: MotionGate.side) }, image: { try raw.image($0) })
            }
            self.stall = stall
        }

        init(frames: [Frame]) { made = frames }

        func frames() -> AsyncThrowingStream<Frame, Error> {
            AsyncThrowingStream { continuation in
                let taken = DispatchSemaphore(value: 0)
                let thread = Thread {
                    for frame in made {
                        continuation.yield(Frame(number: frame.number, capturedAt: monotonicSeconds(), wallClock: Date(),
                                                 thumbnail: { try frame.thumbnail() }) { framing in
                            defer { taken.signal() }
                            return try frame.image(framing)
                        })
                        _ = taken.wait(timeout: .now() + patience)
                    }
                    if !stall { continuation.finish() }
                }
                thread.start()
            }
        }
    }

    final class Collector: EventSink, LogHandler, @unchecked Sendable {
        private let lock = NSLock()
        private(set) var events: [DaemonEvent] = []
        private(set) var lines: [String] = []

        func emit(_ event: DaemonEvent, context: EventContext) throws { lock.withLock { events.append(event) } }
        func log(_ entry: LogEntry) { lock.withLock { lines.append("\(entry.level): \(entry.message)") } }
    }

    func catFrame() throws -> RawFrame {
        let cat = try ImagePreprocessor.load(file: Fixtures.photo("cat.png").path, size: 240, crop: .none)
        let (yuyv, line) = CameraFrame.bytes(of: cat, as: .yuyv)
        return try yuyv.withUnsafeBytes { try RawFrame($0, format: .yuyv, width: 240, height: 240, bytesPerLine: line) }
    }

    func config(heartbeatSeconds: Double) throws -> DaemonConfig {
        var config = DaemonConfig()
        config.model = try Fixtures.model("mobilenet_v1_0.25_128_quant.tflite").path
        config.thermalRoot = "/nonexistent/lookout-tests"
        (config.maxRate, config.cpuBudget, config.heartbeatSeconds) = (1000, 4, heartbeatSeconds)
        (config.threshold, config.minFrames, config.window) = (0.2, 3, 3)
        return config
    }

    /// Runs the pipeline on `source` until the source runs out; returns what it emitted and logged,
    /// after checking that exactly one frame was skipped, logged with `skipPrefix`.
    func runToEnd(_ source: EmbeddedSource, skipPrefix: String, file: StaticString = #filePath, line: UInt = #line) throws -> Collector {
        let collector = Collector()
        let service = LookoutService(source: source, sink: collector,
                                     pipeline: try Pipeline.load(config(heartbeatSeconds: 0), logger: Logger(label: "test", handler: collector)),
                                     logger: Logger(label: "test", handler: collector))
        let done = expectation(description: "the source ran out")
        Task {
            try await service.run()
            done.fulfill()
        }
        wait(for: [done], timeout: patience)
        let skipped = collector.lines.filter { $0.contains("skipped") }
        XCTAssertEqual(skipped.count, 1, "\(collector.lines)", file: file, line: line)
        XCTAssertTrue(skipped.first?.hasPrefix(skipPrefix) == true, "\(skipped)", file: file, line: line)
        return collector
    }

    /// A camera buffer too short for its format (a driver's glitch, as V4L2Camera reports it):
    /// logged once with its cause and counted as dropped, like a frame that does not decode.
    func testABadCameraFrameIsCountedAsDropped() throws {
        let good = try catFrame()
        let short = [UInt8](repeating: 0x80, count: 1000)
        var cause: Error?
        XCTAssertThrowsError(try short.withUnsafeBytes { try RawFrame($0, format: .yuyv, width: 240, height: 240, bytesPerLine: 480) }) {
            cause = CameraError(.badFrame, "/dev/video7", "\($0)")
        }
        let bad = Frame.unusable(number: 4, error: try XCTUnwrap(cause))
        let frames = EmbeddedSource(raw: [good, good, good]).made + [bad]
        let collector = try runToEnd(EmbeddedSource(frames: frames), skipPrefix: "warning: frame 4 skipped: /dev/video7: ")
        guard case .heartbeat(_, let classifications, let dropped, _, _, _, _, _, _, _, _, _, _, _, _, _)? = collector.events.last(where: { $0.kind == "heartbeat" }) else {
            return XCTFail("no heartbeat: \(collector.events)")
        }
        XCTAssertEqual(classifications, 3)
        XCTAssertEqual(dropped, 1)
    }

    /// A camera that stops sending: heartbeats go on, and say it stalled (and since when); the
    /// ones while frames came do not.
    func testHeartbeatsGoOnWhenTheCameraStallsAndSaySo() throws {
        let collector = Collector()
        let service = LookoutService(source: EmbeddedSource(raw: Array(repeating: try catFrame(), count: 3), stall: true), sink: collector,
                                     pipeline: try Pipeline.load(config(heartbeatSeconds: 1), logger: Logger(label: "test", handler: collector)),
                                     logger: Logger(label: "test", handler: collector))
        let task = Task { try await service.run() }
        defer { task.cancel() }
        func stalledBeats() -> [(since: Double, message: String)] {
            collector.events.compactMap {
                guard case .heartbeat(_, _, _, _, _, _, _, _, _, _, _, _, _, let stalled, let since, _) = $0, stalled else { return nil }
                return (since, $0.sentence(camera: "/dev/video7"))
            }
        }
        _ = eventually { stalledBeats().count >= 2 }
        let beats = stalledBeats()
        XCTAssertGreaterThanOrEqual(beats.count, 2, "heartbeats after the camera stopped: \(collector.events.map(\.kind))")
        XCTAssertGreaterThanOrEqual(beats.last?.since ?? 0, 1)
        XCTAssertGreaterThan(beats.last?.since ?? 0, beats.first?.since ?? 0, "the time since the last frame grows")
        XCTAssertTrue(beats.last?.message.contains("video7: camera stalled, no frame for") == true, "\(beats)")
        let record = try XCTUnwrap(collector.events.last { $0.kind == "heartbeat" }).record(EventContext(camera: "/dev/video7", modelSHA256: "", head: nil))
        XCTAssertEqual(record["stalled"] as? Bool, true)
        XCTAssertNotNil(record["since_frame_s"] as? Double)
    }

    /// Ten YUYV frames of a cat with one corrupt MJPEG frame in the middle (a driver's glitch): the
    /// bad frame is logged once with its cause, counted as dropped, and the cat stays one event.
    func testACorruptFrameIsSkippedAndCountedAndTheEventGoesOn() throws {
        let good = try catFrame()
        let jpeg = try RegularFile.read(Fixtures.photo("cat_720p.jpg").path)
        let corrupt = try Array(jpeg.prefix(jpeg.count / 4)).withUnsafeBytes {
            try RawFrame($0, format: .mjpeg, width: 1280, height: 720, bytesPerLine: 0)
        }

        let collector = try runToEnd(EmbeddedSource(raw: Array(repeating: good, count: 5) + [corrupt] + Array(repeating: good, count: 5)),
                                     skipPrefix: "warning: frame 6 skipped: MJPEG frame: ")
        var started: [String] = [], ended: [String] = []
        var last: (classifications: UInt64, dropped: UInt64)?
        for event in collector.events {
            switch event {
            case .started(let label, _, _, _, _, _, _): started.append(label)
            case .ended(let label, _, _, _, _): ended.append(label)
            case .heartbeat(_, let classifications, let dropped, _, _, _, _, _, _, _, _, _, _, _, _, _): last = (classifications, dropped)
            }
        }
        XCTAssertEqual(started.count, 1, "one event across the glitch: \(started)")
        XCTAssertTrue(started.first?.contains("cat") == true, "\(started)")
        XCTAssertEqual(ended, started, "and it ends when the source does")
        XCTAssertEqual(last?.classifications, 10)
        XCTAssertEqual(last?.dropped, 1)
    }
}
