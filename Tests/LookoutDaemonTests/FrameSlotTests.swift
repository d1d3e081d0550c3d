import Foundation
@testable import LookoutDaemon
import LookoutLog
import LookoutTestSupport
import LookoutClock
import XCTest

/// The one-frame buffer between a source and the classifier, and the service that runs a source
/// through it to the end.
final class FrameSlotTests: XCTestCase {
    func frame(_ number: UInt64) -> Frame {
        Frame(number: number, capturedAt: 0, wallClock: Date(), thumbnail: { [] }, image: { _ in throw CancellationError() })
    }

    func number(_ arrival: Arrival?) -> UInt64? {
        if case .frame(let frame)? = arrival { frame.number } else { nil }
    }

    /// Only the newest frame waits; each one it replaces is counted, as is one the classifier
    /// could not use. A finished source ends the classifier after the frame still waiting.
    func testKeepsTheNewestFrameAndCountsTheRest() async throws {
        let slot = FrameSlot(clock: ManualClock())
        for n: UInt64 in 1...5 { slot.put(frame(n)) }
        var next = try await slot.next()
        XCTAssertEqual(number(next), 5)
        XCTAssertEqual(slot.dropped, 4)
        slot.countDropped()
        XCTAssertEqual(slot.dropped, 5)
        slot.put(frame(6))
        slot.finish()
        next = try await slot.next()
        XCTAssertEqual(number(next), 6, "the last frame before the end")
        next = try await slot.next()
        XCTAssertNil(next)
    }

    /// What a classifier waiting on `slot` gets from the ticker: nothing while a frame came within
    /// the last second, an idle arrival once the clock is a second on.
    static func idleArrival(from slot: FrameSlot, clock: ManualClock) async throws -> Arrival? {
        let waiting = Task { try await slot.next() }
        while !slot.isWaited { await Task.yield() }
        slot.tick(idleAfter: 1)
        XCTAssertTrue(slot.isWaited, "no idle arrival within a second of the last frame")
        clock.advance(by: 1)
        slot.tick(idleAfter: 1)
        return try await waiting.value
    }

    /// A source that fails: its error reaches the classifier.
    func testASourceErrorReachesTheClassifier() async throws {
        let slot = FrameSlot(clock: ManualClock())
        slot.finish(throwing: ConfigError("/tmp/replay: none of its pictures can be read"))
        do {
            _ = try await slot.next()
            XCTFail("no error")
        } catch {
            XCTAssertEqual("\(error)", "/tmp/replay: none of its pictures can be read")
        }
    }

    /// An idle arrival comes only once no frame has come for the given time; a cancelled wait
    /// (a shutdown) ends with nil.
    func testIdleTicksAndCancellation() async throws {
        let clock = ManualClock()
        let slot = FrameSlot(clock: clock)
        let idle = try await Self.idleArrival(from: slot, clock: clock)
        guard case .idle? = idle else { return XCTFail("\(String(describing: idle))") }
        let task = Task { try await slot.next() }
        task.cancel()
        let cancelled = try await task.value
        XCTAssertNil(cancelled)
        // Also while frames keep coming (a camera faster than the classifier): a shutdown ends it.
        slot.put(frame(1))
        let busy = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await slot.next()
        }
        let stopped = try await busy.value
        XCTAssertNil(stopped)
    }

    /// A source that makes a frame only when one is wanted waits for the classifier to ask, so
    /// none is replaced; closing the slot releases it.
    func testDemandWaitsForTheClassifier() async throws {
        let slot = FrameSlot(clock: ManualClock())
        let asked = Locked(0)
        let source = Task {
            for n in 1...3 {
                await slot.demand()
                asked.withLock { $0 += 1 }
                slot.put(self.frame(UInt64(n)))
            }
            await slot.demand()
        }
        for n in 1...3 {
            let next = try await slot.next()
            XCTAssertEqual(number(next), UInt64(n))
        }
        XCTAssertEqual(slot.dropped, 0)
        XCTAssertLessThanOrEqual(asked.withLock { $0 }, 3)
        slot.close()
        await source.value
        XCTAssertTrue(slot.isClosed)
    }

    /// lookoutd's service on a source of real camera frames (each made only when asked, so none is
    /// dropped), with one corrupt frame among them, run to the source's end on the real clock:
    /// every frame classified but the corrupt one, which is logged and counted, and the label seen
    /// ends when the source does.
    func testTheServiceRunsASourceToItsEnd() async throws {
        struct Frames: FrameSource {
            let frames: [Frame]
            var name: String { "/dev/video7" }
            func capture(into slot: FrameSlot, clock: TimeSource) async throws {
                for frame in frames {
                    await slot.demand()
                    slot.put(frame)
                }
            }
        }
        let corrupt = Frame.unusable(number: 6, capturedAt: monotonicSeconds(), error: ConfigError("MJPEG frame: truncated"))
        let frames = (1...11).map { n in
            n == 6 ? corrupt : Frame(number: UInt64(n), capturedAt: monotonicSeconds(), wallClock: Date(), thumbnail: { [] },
                                     image: { try DaemonLoopTests.image("cat.png", $0) })
        }
        let outputs = DaemonLoopTests.Outputs()
        let service = LookoutService(source: Frames(frames: frames), sink: outputs, logger: Logger(label: "test", handler: outputs))
        var config = DaemonConfig()
        config.model.path = try Fixtures.model("mobilenet_v1_0.25_128_quant.tflite").path
        config.thermal.root = "/nonexistent/lookout-tests"
        (config.classify.maxRate, config.classify.cpuBudget, config.events.heartbeatSeconds) = (1000, 4, 0.01)
        config.events.threshold = 0.2
        try await service.load(config, camera: "/dev/video7")
        try await service.run()
        XCTAssertEqual(outputs.lines.filter { $0.contains("skipped") }, ["warning: frame 6 skipped: MJPEG frame: truncated"])
        XCTAssertEqual(outputs.changes.count, 2, "\(outputs.changes)")
        XCTAssertTrue(outputs.changes.first?.lowercased().contains("cat") == true, "\(outputs.changes)")
        XCTAssertEqual(outputs.changes.last, outputs.changes.first?.replacingOccurrences(of: "started", with: "ended"))
        XCTAssertEqual(service.statusLine().components(separatedBy: ", ").first { $0.hasSuffix("dropped") }, "1 dropped")
    }
}
