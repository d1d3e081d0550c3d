import Foundation
@testable import LookoutCamera
@testable import LookoutDaemon
import LookoutEvents
import LookoutFiles
import LookoutImaging
import LookoutLog
import LookoutTestSupport
import LookoutClock
import XCTest

/// lookoutd's daemon loop driven step by step on a manual clock, in the manner of swift-nio's
/// EmbeddedChannel: real camera frames and a real model in, events and log lines out, time and CPU
/// time moved by the test. Nothing sleeps and no lookoutd is spawned.
final class DaemonLoopTests: XCTestCase {
    /// Events and log lines, as the sinks and the log handler get them.
    final class Outputs: EventSink, LogHandler, @unchecked Sendable {
        private let lock = NSLock()
        private var emitted: [DaemonEvent] = []
        private var logged: [String] = []

        var events: [DaemonEvent] { lock.withLock { emitted } }
        var lines: [String] { lock.withLock { logged } }
        func emit(_ event: DaemonEvent, context: EventContext) throws { lock.withLock { emitted.append(event) } }
        func log(_ entry: LogEntry) { lock.withLock { logged.append("\(entry.level): \(entry.message)") } }

        var heartbeats: [[String: Any]] {
            events.filter { $0.kind == .heartbeat }.map { $0.record(EventContext(camera: "/dev/video7", modelSHA256: "", head: nil)) }
        }
        var changes: [String] {
            events.compactMap {
                switch $0 {
                case .started(let label, _, _, _, _, _, _): "started \(label)"
                case .ended(let label, _, _, _, _): "ended \(label)"
                case .heartbeat: nil
                }
            }
        }
    }

    /// A source that gives nothing: the test puts frames in the slot itself.
    struct NoSource: FrameSource {
        var name: String { "/dev/video7" }
        func capture(into slot: FrameSlot, clock: TimeSource) async throws {}
    }

    /// The service's parts on a manual clock, with its loop stepped by the test.
    final class Harness {
        let clock = ManualClock()
        let outputs = Outputs()
        let service: LookoutService
        var loop: DaemonLoop
        var number: UInt64 = 0

        init(_ config: DaemonConfig) async throws {
            let logger = Logger(label: "test", handler: outputs)
            service = LookoutService(source: NoSource(), sink: outputs, clock: clock, liveness: Liveness(clock: clock), logger: logger)
            try await service.load(config, camera: "/dev/video7")
            loop = try service.makeLoop()
        }

        deinit { service.model.stop() }

        /// A frame of `photo` captured now by a YUYV camera.
        func frame(_ photo: String) throws -> Frame {
            let raw = try DaemonLoopTests.cameraFrame(photo)
            number += 1
            return Frame(number: number, capturedAt: clock.monotonicSeconds(), wallClock: Date(), thumbnail: { try raw.thumbnail(side: MotionGate.side) },
                         image: { try DaemonLoopTests.image(photo, $0) })
        }

        /// A frame captured now from `raw`, converted when looked at.
        func frame(raw: RawFrame) -> Frame {
            number += 1
            return Frame(number: number, capturedAt: clock.monotonicSeconds(), wallClock: Date(), thumbnail: { try raw.thumbnail(side: MotionGate.side) },
                         image: { try raw.image($0) })
        }

        /// Takes what the slot holds, steps the loop on it, and waits as the service would (the
        /// clock moves on by the wait); returns the wait.
        @discardableResult
        func step() async throws -> Double {
            let next = try await service.slot.next()
            let arrival = try XCTUnwrap(next)
            let wait = try await loop.step(arrival)
            try await clock.sleep(seconds: wait)
            return wait
        }

        /// A second with no frame, then the heartbeat that closes the window.
        func beat(after seconds: Double = 1) async throws -> [String: Any] {
            clock.advance(by: seconds)
            _ = try await loop.step(.idle)
            return try XCTUnwrap(outputs.heartbeats.last)
        }

        /// A frame of `photo` captured now, then a step.
        @discardableResult
        func feed(_ photo: String) async throws -> Double {
            service.slot.put(try frame(photo))
            return try await step()
        }
    }

    /// A YUYV camera frame of `photo`. Its conversions to the model's input are made once per
    /// framing and reused (a debug build takes a good part of a second for each; what is under test
    /// here is the loop, and CameraFrameTests tests the conversion).
    static func cameraFrame(_ photo: String) throws -> RawFrame {
        try shots.withLock { shots in
            if let shot = shots[photo] { return shot }
            let image = try ImagePreprocessor.load(file: Fixtures.photo(photo).path, size: 160, crop: .none)
            let (yuyv, line) = CameraFrame.bytes(of: image, as: .yuyv)
            let shot = try yuyv.withUnsafeBytes { try RawFrame($0, format: .yuyv, width: 160, height: 160, bytesPerLine: line) }
            shots[photo] = shot
            return shot
        }
    }

    static let shots = Locked<[String: RawFrame]>([:])
    static let conversions = Locked<[String: RGBImage]>([:])

    /// `photo`'s camera frame as the model's input, converted once per framing.
    static func image(_ photo: String, _ framing: Framing) throws -> RGBImage {
        let key = "\(photo)-\(framing)"
        if let image = conversions.withLock({ $0[key] }) { return image }
        let image = try cameraFrame(photo).image(framing)
        conversions.withLock { $0[key] = image }
        return image
    }

    func config() throws -> DaemonConfig {
        var config = DaemonConfig()
        config.model.path = try Fixtures.model("mobilenet_v1_0.25_128_quant.tflite").path
        config.thermal.root = "/nonexistent/lookout-tests"
        (config.classify.maxRate, config.classify.cpuBudget, config.events.heartbeatSeconds) = (1000, 4, 1)
        (config.events.threshold, config.events.minFrames, config.events.window) = (0.2, 3, 3)
        return config
    }

    /// A still scene with the motion gate on: looked at no more often than max_rate allows (the
    /// loop waits 1 / max_rate after each look), classified only the first time, the frames between
    /// replaced in the slot undecoded and counted as dropped.
    func testAStillSceneIsLookedAtAtMaxRateAndClassifiedOnce() async throws {
        var config = try config()
        (config.motion.enabled, config.motion.maxSkipSeconds, config.classify.maxRate) = (true, 600, 4)
        let h = try await Harness(config)
        var waits: [Double] = []
        for _ in 0..<12 {
            // A camera at 20 frames/s: four frames come while the loop waits a quarter second.
            for _ in 0..<4 { h.service.slot.put(try h.frame("cat.png")) }
            waits.append(try await h.step())
        }
        for wait in waits.dropFirst() { XCTAssertEqual(wait, 0.25, accuracy: 1e-9, "a still scene is looked at 4 times a second") }
        let beat = try await h.beat()
        XCTAssertEqual(beat["classifications"] as? UInt64, 1, "only the first frame is classified")
        XCTAssertEqual(beat["skipped_static"] as? UInt64, 11)
        XCTAssertEqual(h.service.slot.dropped, 12 * 3, "the frames between are dropped undecoded")
        // A change passes at once.
                try await h.feed("hot_dog.jpg")
        try await h.feed("hot_dog.jpg")
        let after = try await h.beat()
        XCTAssertEqual(after["classifications"] as? UInt64, 2, "\(after)")
        XCTAssertEqual(after["skipped_static"] as? UInt64, 12)
    }

    /// Thermal backoff on a fake thermal zone: full pace while cool, the interval stretched above
    /// the soft limit, no classification at the hard limit (heartbeats go on, the pause is said
    /// once), full pace again once cool.
    func testThermalBackoffSlowsPausesAndResumes() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("thermal-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/thermal_zone0", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        func heat(_ celsius: Int) throws {
            try "\(celsius * 1000)\n".write(toFile: root + "/thermal_zone0/temp", atomically: true, encoding: .utf8)
        }
        try heat(40)
        var config = try config()
        (config.thermal.root, config.classify.maxRate, config.events.heartbeatSeconds) = (root, 2, 0.5)
        let h = try await Harness(config)
        /// Classifications so far, as a heartbeat half a second on says.
        func classifications() async throws -> UInt64 { try await h.beat(after: 0.5)["classifications"] as? UInt64 ?? 0 }

        for _ in 0..<4 {
            let wait = try await h.feed("cat.png")
            XCTAssertEqual(wait, 0.5, accuracy: 1e-9, "cool: max_rate's interval")
        }
        XCTAssertEqual(h.outputs.heartbeats.last?["temperature_c"] as? Double, 40)
        try heat(75)
        h.clock.advance(by: 2)
        try await h.feed("cat.png")
        let slowed = try await h.feed("cat.png")
        XCTAssertEqual(slowed, 1.25, accuracy: 1e-9, "halfway from soft to hard: 2.5× the interval")
        XCTAssertEqual(h.outputs.heartbeats.last?["thermal"] as? String, "slowed")
        try heat(85)
        h.clock.advance(by: 2)
        let pausedAt = try await classifications()
        for _ in 0..<6 {
            let wait = try await h.feed("cat.png")
            XCTAssertEqual(wait, 1, "paused: the frame is looked at again in a second")
        }
        let whilePaused = try await classifications()
        XCTAssertEqual(whilePaused, pausedAt, "no classification while paused")
        XCTAssertEqual(h.outputs.heartbeats.last?["thermal"] as? String, "paused")
        XCTAssertEqual(h.outputs.heartbeats.last?["temperature_c"] as? Double, 85)
        try heat(40)
        h.clock.advance(by: 2)
        for _ in 0..<3 { try await h.feed("cat.png") }
        let resumed = try await classifications()
        XCTAssertEqual(resumed, pausedAt + 3, "resumes once cool")
        XCTAssertEqual(h.outputs.lines.filter { $0.contains("classification paused") },
                       ["warning: thermal: 85.0 °C at or above hard limit 80 °C, classification paused"])
        XCTAssertTrue(h.outputs.lines.contains("notice: thermal: 40.0 °C below 65 °C (soft limit − hysteresis), recovered: full pace"),
                      "\(h.outputs.lines)")
    }

    /// Pacing to a CPU budget: each step costs 0.1 s of CPU (capture and inference, as the clock
    /// says); at a quarter core the loop waits until each step has lasted 0.4 s, so the process
    /// averages its budget; cheap steps are held to max_rate instead.
    func testPacingHoldsTheCPUBudget() async throws {
        var config = try config()
        (config.classify.maxRate, config.classify.cpuBudget, config.events.heartbeatSeconds) = (20, 0.25, 7.9)
        let h = try await Harness(config)
        let start = h.clock.monotonicSeconds()
        for _ in 0..<20 {
            h.clock.spend(cpu: 0.1)
            let wait = try await h.feed("cat.png")
            XCTAssertEqual(wait, 0.4, accuracy: 1e-9)
        }
        XCTAssertEqual(h.clock.monotonicSeconds() - start, 8, accuracy: 1e-6, "20 steps of 0.4 s")
        let beat = try await h.beat(after: 0)
        XCTAssertEqual(beat["cpu_cores"] as? Double ?? 0, 0.25, accuracy: 1e-6, "the heartbeat reports the budget kept")
        XCTAssertEqual(beat["fps"] as? Double ?? 0, 2.5, accuracy: 1e-6)
        h.clock.spend(cpu: 0.001)
        let cheap = try await h.feed("cat.png")
        XCTAssertEqual(cheap, 0.05, accuracy: 1e-9, "a cheap step: max_rate decides")
    }

    /// A reload mid-stream: a good one (a head with its own labels) ends the labels active under
    /// the old model and takes over before the next frame; bad ones (a head that does not fit the
    /// model, a model XNNPACK refuses, a config out of range) are refused with their cause, and the
    /// last good one goes on.
    func testAReloadMidStreamSwapsAGoodOneAndKeepsItAgainstBadOnes() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-reload-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try Fixtures.model("mobilenet_v1_0.25_128_quant.tflite")
        let good = folder.appendingPathComponent("good"), bad = folder.appendingPathComponent("bad")
        try CraftedHead(labels: ["alpha", "beta"], embeddingSize: 512, baseModel: model).write(to: good)
        try CraftedHead(labels: ["gamma", "delta"], embeddingSize: 1, baseModel: model).write(to: bad)
        let refused = folder.appendingPathComponent("refused.tflite")
        try Data(TFLiteBuilder.xnnpackRefusedModel()).write(to: refused)

        let config = try config()
        let h = try await Harness(config)
        for _ in 0..<3 { try await h.feed("cat.png") }
        let before = h.outputs.changes
        XCTAssertTrue(!before.isEmpty && before.allSatisfy { $0.hasPrefix("started") } && before.joined().lowercased().contains("cat"),
                      "\(before)")

        var withHead = config
        withHead.model.head = good.path
        try await h.service.load(withHead, camera: "/dev/video7")
        XCTAssertEqual(h.outputs.changes, before, "nothing changes before the next frame")
        for _ in 0..<3 { try await h.feed("cat.png") }
        XCTAssertEqual(Set(h.outputs.changes.dropFirst(before.count).prefix(before.count)),
                       Set(before.map { $0.replacingOccurrences(of: "started", with: "ended") }), "the old labels end first")
        func lastLabel() -> String? { h.outputs.heartbeats.last?["last_label"] as? String }
        h.clock.advance(by: 1)
        try await h.feed("cat.png")
        XCTAssertTrue(["alpha", "beta"].contains(lastLabel() ?? ""), "the head's labels from the next frame on: \(lastLabel() ?? "none")")

        var badHead = config, badModel = config
        badHead.model.head = bad.path
        badModel.model.path = refused.path
        for (name, attempt, cause) in [("head", badHead, "\(bad.path): head.json: embedding_size 1 does not fit"),
                                       ("model", badModel, "\(refused.path): XNNPACK failed creating the runtime: ")] {
            do {
                try await h.service.load(attempt, camera: "/dev/video7")
                XCTFail("\(name): accepted")
            } catch {
                XCTAssertTrue("\(error)".hasPrefix(cause) && !"\(error)".contains("\n"), "\(name): \(error)")
            }
            h.clock.advance(by: 1)
            try await h.feed("cat.png")
            XCTAssertTrue(["alpha", "beta"].contains(lastLabel() ?? ""), "\(name): still the good head")
        }
        XCTAssertThrowsError(try DaemonConfig.load(file: nil, environment: ["LOOKOUT_CLASSIFY_MAX_RATE": "1e-12"])) {
            XCTAssertTrue("\($0)".contains("classify.max_rate: must be a number from 0.0001 to 1000.0 (got 1e-12)"), "\($0)")
        }
    }

    /// A corrupt MJPEG frame amid YUYV frames of a cat, and a camera buffer too short for its format
    /// (a driver's glitch, as V4L2Camera reports it): each is logged once with its cause and counted
    /// as dropped, and the cat stays one event, ended when the loop finishes.
    func testACorruptFrameIsSkippedAndCountedAndTheEventGoesOn() async throws {
        let h = try await Harness(try config())
        let jpeg = try RegularFile.read(Fixtures.photo("cat_720p.jpg").path)
        let corrupt = try Array(jpeg.prefix(jpeg.count / 4)).withUnsafeBytes {
            try RawFrame($0, format: .mjpeg, width: 1280, height: 720, bytesPerLine: 0)
        }
        var cause: Error?
        XCTAssertThrowsError(try [UInt8](repeating: 0x80, count: 1000).withUnsafeBytes {
            try RawFrame($0, format: .yuyv, width: 240, height: 240, bytesPerLine: 480)
        }) { cause = CameraError(.badFrame, "/dev/video7", "\($0)") }

        for _ in 0..<5 { try await h.feed("cat.png") }
        h.service.slot.put(h.frame(raw: corrupt))
        try await h.step()
        h.number += 1
        h.service.slot.put(.unusable(number: h.number, capturedAt: h.clock.monotonicSeconds(), error: try XCTUnwrap(cause)))
        try await h.step()
        for _ in 0..<5 { try await h.feed("cat.png") }
        h.clock.advance(by: 1)
        _ = try await h.loop.step(.idle)
        h.loop.finish()

        let skipped = h.outputs.lines.filter { $0.contains("skipped") }
        XCTAssertEqual(skipped.count, 2, "\(h.outputs.lines)")
        XCTAssertTrue(skipped.first?.hasPrefix("warning: frame 6 skipped: MJPEG frame: ") == true, "\(skipped)")
        XCTAssertTrue(skipped.last?.hasPrefix("warning: frame 7 skipped: /dev/video7: ") == true, "\(skipped)")
        XCTAssertEqual(h.outputs.changes.count, 2, "one event across the glitches: \(h.outputs.changes)")
        XCTAssertTrue(h.outputs.changes.first?.lowercased().contains("cat") == true, "\(h.outputs.changes)")
        XCTAssertEqual(h.outputs.changes.last, h.outputs.changes.first?.replacingOccurrences(of: "started", with: "ended"))
        XCTAssertEqual(h.outputs.heartbeats.last?["classifications"] as? UInt64, 10)
        XCTAssertEqual(h.outputs.heartbeats.last?["dropped"] as? UInt64, 2)
    }

    /// A camera that stops sending: idle arrivals keep the heartbeats going, and they say it
    /// stalled and since when; the ones while frames came do not.
    func testHeartbeatsGoOnWhenTheCameraStallsAndSaySo() async throws {
        let h = try await Harness(try config())
        for _ in 0..<3 {
            try await h.feed("cat.png")
            h.clock.advance(by: 0.5)
        }
        XCTAssertEqual(h.outputs.heartbeats.map { $0["stalled"] as? Bool }, [false], "frames came")
        // The slot gives the waiting loop an idle arrival only once no frame came for a second.
        let idle = try await FrameSlotTests.idleArrival(from: h.service.slot, clock: h.clock)
        guard case .idle? = idle else { return XCTFail("no idle arrival") }
        for _ in 0..<3 {
            h.clock.advance(by: 1)
            _ = try await h.loop.step(.idle)
        }
        let stalled = h.outputs.events.filter {
            if case .heartbeat(_, _, _, _, _, _, _, _, _, _, _, _, _, let stalled, _, _) = $0 { stalled } else { false }
        }
        XCTAssertEqual(stalled.count, 3, "\(h.outputs.heartbeats)")
        let since = h.outputs.heartbeats.suffix(3).compactMap { $0["since_frame_s"] as? Double }
        XCTAssertEqual(since, [2.5, 3.5, 4.5], "the time since the last frame grows")
        XCTAssertTrue(stalled.last?.sentence(camera: "/dev/video7").contains("video7: camera stalled, no frame for 4 s") == true,
                      "\(stalled.last.map { $0.sentence(camera: "/dev/video7") } ?? "")")
    }
}

/// A value behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T { try lock.withLock { try body(&value) } }
}
