import Foundation
@testable import LookoutCamera
import LookoutDaemon
import LookoutImaging
import LookoutTestSupport
import Logging
import XCTest

/// lookoutd's pipeline on an embedded frame source standing in for the camera (as swift-nio tests
/// a channel with `EmbeddedChannel`): raw camera frames in, events and log lines out, frame by frame.
final class EmbeddedSourceTests: XCTestCase {
    /// Hands over prepared camera frames one at a time, the next only once the pipeline has taken
    /// the previous one (converted it, or failed to), so no frame is replaced by a newer one.
    struct EmbeddedSource: FrameSource {
        let raw: [RawFrame]
        var name: String { "embedded" }

        func frames() -> AsyncThrowingStream<Frame, Error> {
            AsyncThrowingStream { continuation in
                let taken = DispatchSemaphore(value: 0)
                let thread = Thread {
                    for (i, raw) in raw.enumerated() {
                        continuation.yield(Frame(number: UInt64(i + 1), capturedAt: monotonicSeconds(), wallClock: Date(),
                                                 thumbnail: { try raw.thumbnail(side: MotionGate.side) }) { framing in
                            defer { taken.signal() }
                            return try raw.image(framing)
                        })
                        _ = taken.wait(timeout: .now() + 30)
                    }
                    continuation.finish()
                }
                thread.start()
            }
        }
    }

    final class Collector: EventSink, LogHandler, @unchecked Sendable {
        private let lock = NSLock()
        private(set) var events: [DaemonEvent] = []
        private(set) var lines: [String] = []
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? { get { nil } set {} }

        func emit(_ event: DaemonEvent, context: EventContext) throws { lock.withLock { events.append(event) } }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                 file: String, function: String, line: UInt) {
            lock.withLock { lines.append("\(level): \(message)") }
        }
    }

    /// Ten YUYV frames of a cat with one corrupt MJPEG frame in the middle (a driver's glitch): the
    /// bad frame is logged once with its cause, counted as dropped, and the cat stays one event.
    func testACorruptFrameIsSkippedAndCountedAndTheEventGoesOn() throws {
        let cat = try ImagePreprocessor.load(file: Fixtures.photo("cat.png").path, size: 240, crop: .none)
        let (yuyv, line) = CameraFrame.bytes(of: cat, as: .yuyv)
        let good = try yuyv.withUnsafeBytes { try RawFrame($0, format: .yuyv, width: 240, height: 240, bytesPerLine: line) }
        let jpeg = try ImageDecoder.readFile(Fixtures.photo("cat_720p.jpg").path)
        let corrupt = try Array(jpeg.prefix(jpeg.count / 4)).withUnsafeBytes {
            try RawFrame($0, format: .mjpeg, width: 1280, height: 720, bytesPerLine: 0)
        }

        var config = DaemonConfig()
        config.model = try Fixtures.model("mobilenet_v1_0.25_128_quant.tflite").path
        config.thermalRoot = "/nonexistent/lookout-tests"
        (config.maxRate, config.cpuBudget, config.heartbeatSeconds) = (1000, 4, 0)
        (config.threshold, config.minFrames, config.window) = (0.2, 3, 3)
        let pipeline = try Pipeline.load(config)
        let collector = Collector()
        let service = LookoutService(source: EmbeddedSource(raw: Array(repeating: good, count: 5) + [corrupt] + Array(repeating: good, count: 5)),
                                     sink: collector, pipeline: pipeline, logger: Logger(label: "test") { _ in collector })
        let done = expectation(description: "the source ran out")
        Task {
            try await service.run()
            done.fulfill()
        }
        wait(for: [done], timeout: 60)

        let skipped = collector.lines.filter { $0.contains("skipped") }
        XCTAssertEqual(skipped.count, 1, "\(collector.lines)")
        XCTAssertTrue(skipped.first?.hasPrefix("warning: frame 6 skipped: MJPEG frame: ") == true, "\(skipped)")
        var started: [String] = [], ended: [String] = []
        var last: (classifications: UInt64, dropped: UInt64)?
        for event in collector.events {
            switch event {
            case .started(let label, _, _, _, _, _, _): started.append(label)
            case .ended(let label, _, _, _, _): ended.append(label)
            case .heartbeat(_, let classifications, let dropped, _, _, _, _, _, _, _, _, _, _, _): last = (classifications, dropped)
            }
        }
        XCTAssertEqual(started.count, 1, "one event across the glitch: \(started)")
        XCTAssertTrue(started.first?.contains("cat") == true, "\(started)")
        XCTAssertEqual(ended, started, "and it ends when the source does")
        XCTAssertEqual(last?.classifications, 10)
        XCTAssertEqual(last?.dropped, 1)
    }
}
