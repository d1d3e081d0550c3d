import Foundation
import LookoutDaemon
import LookoutImaging
import LookoutTestSupport
import XCTest

final class ThermalAndMotionTests: XCTestCase {
    func testGovernorSlowsPausesAndRecoversWithHysteresis() {
        var g = ThermalGovernor(soft: 70, hard: 80, hysteresis: 5)
        XCTAssertEqual(g.update(nil), 1, "no thermal zone: full pace")
        XCTAssertEqual(g.update(60), 1)
        XCTAssertEqual(g.update(70), 1, accuracy: 1e-9)
        XCTAssertEqual(g.state, .slowed)
        XCTAssertEqual(g.update(75), 2.5, accuracy: 1e-9, "halfway from soft to hard: 2.5× the interval")
        XCTAssertEqual(g.update(68), 1, accuracy: 1e-9, "below soft but within hysteresis: still slowed")
        XCTAssertEqual(g.state, .slowed)
        XCTAssertEqual(g.update(64.9), 1)
        XCTAssertEqual(g.state, .normal)
        XCTAssertTrue(g.update(80).isInfinite)
        XCTAssertEqual(g.state, .paused)
        XCTAssertTrue(g.update(76).isInfinite, "within hysteresis of hard: stays paused")
        XCTAssertEqual(g.update(74), 2.2, accuracy: 1e-9)
        XCTAssertEqual(g.state, .slowed)
    }

    func testZonesReadTheHottest() throws {
        let root = try fakeSysfs(["thermal_zone0": "41000\n", "thermal_zone1": "67500\n", "cooling_device0": "1\n"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        XCTAssertEqual(ThermalZones(root: root).hottest(), 67.5)
        XCTAssertNil(ThermalZones(root: root + "/absent").hottest())
    }

    /// lookoutd on a replay with a fake thermal zone: hot pauses classification, cool resumes it.
    func testDaemonPausesWhenHotAndResumesWhenCool() throws {
        let root = try fakeSysfs(["thermal_zone0": "85000\n"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let process = Process()
        process.executableURL = Fixtures.packageRoot.appendingPathComponent(".build/debug/lookoutd")
        process.arguments = ["--source", try Fixtures.photo("cat.png").deletingLastPathComponent().path,
                             "--model", "mobilenet_v1_0.25_128_quant"]
        process.environment = ProcessInfo.processInfo.environment.merging([
            "LOOKOUT_MODEL_DIR": Fixtures.models.path, "LOOKOUT_THERMAL_ROOT": root, "LOOKOUT_SOURCE_REPLAY_FPS": "10",
            "LOOKOUT_CLASSIFY_MAX_RATE": "10", "LOOKOUT_CLASSIFY_CPU_BUDGET": "2", "LOOKOUT_EVENTS_HEARTBEAT_SECONDS": "0.5",
        ]) { $1 }
        let stdout = Collector(), stderr = Collector()
        process.standardOutput = stdout.pipe
        process.standardError = stderr.pipe
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        Thread.sleep(forTimeInterval: 4)
        XCTAssertTrue(stderr.text.contains("thermal: 85.0 °C, paused"), stderr.text)
        let hot = stdout.events().filter { $0["event"] as? String == "heartbeat" }
        XCTAssertLessThanOrEqual(hot.last?["classifications"] as? Int ?? 99, 1, "paused above hard_c: \(hot)")
        try "40000\n".write(toFile: root + "/thermal_zone0/temp", atomically: true, encoding: .utf8)
        Thread.sleep(forTimeInterval: 4)
        XCTAssertTrue(stderr.text.contains("thermal: 40.0 °C, normal"), stderr.text)
        let cool = stdout.events().filter { $0["event"] as? String == "heartbeat" }
        XCTAssertGreaterThan(cool.last?["classifications"] as? Int ?? 0, 10, "resumed below hard_c − hysteresis")
        XCTAssertEqual(cool.last?["temperature_c"] as? Double, 40)
        process.terminate()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }

    func testMotionGateSkipsAStillSceneAndPassesAChange() throws {
        func thumbnail(_ image: RGBImage) -> [UInt8] {
            greyThumbnail(width: image.width, height: image.height, side: MotionGate.side, luma: image.luma)
        }
        let cat = thumbnail(try ImagePreprocessor.load(file: Fixtures.photo("cat.png").path, size: 224))
        let dogImage = try ImagePreprocessor.load(file: Fixtures.photo("hot_dog.jpg").path, size: 224)
        let dog = thumbnail(dogImage)
        var gate = MotionGate(threshold: 3, maxSkipSeconds: 10)
        XCTAssertTrue(gate.shouldClassify(thumbnail: cat, now: 0), "the first frame is classified")
        XCTAssertFalse(gate.shouldClassify(thumbnail: cat, now: 1), "the same scene is skipped")
        XCTAssertFalse(gate.shouldClassify(thumbnail: cat, now: 9.9))
        XCTAssertTrue(gate.shouldClassify(thumbnail: cat, now: 10), "… until max_skip_seconds")
        XCTAssertTrue(gate.shouldClassify(thumbnail: dog, now: 11), "a different scene passes at once")
        // Sensor noise (±2 levels) is not motion.
        var noisy = dogImage
        for i in noisy.pixels.indices { noisy.pixels[i] = UInt8(clamping: Int(noisy.pixels[i]) + (i % 5) - 2) }
        XCTAssertFalse(gate.shouldClassify(thumbnail: thumbnail(noisy), now: 12))
        let started = Date()
        for i in 0..<200 { _ = gate.shouldClassify(thumbnail: thumbnail(i % 2 == 0 ? dogImage : noisy), now: Double(20 + i)) }
        print("motion gate: \(String(format: "%.1f", Date().timeIntervalSince(started) / 200 * 1e6)) µs per 224×224 frame, thumbnail included (debug build)")
    }

    func fakeSysfs(_ zones: [String: String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("thermal-\(UUID().uuidString)").path
        for (zone, temp) in zones {
            try FileManager.default.createDirectory(atPath: "\(root)/\(zone)", withIntermediateDirectories: true)
            try temp.write(toFile: "\(root)/\(zone)/temp", atomically: true, encoding: .utf8)
        }
        return root
    }
}
