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
        XCTAssertTrue(g.update(nil).isInfinite, "an unreadable zone keeps the last decision")
        XCTAssertEqual(g.update(74), 2.2, accuracy: 1e-9)
        XCTAssertEqual(g.state, .slowed)
        XCTAssertEqual(g.update(50), 1)
        XCTAssertEqual(g.state, .normal, "far below both limits: straight back to full pace")
    }

    /// Each change of state is said once, in words; staying in a state says nothing.
    func testGovernorDescribesEachChangeOnce() {
        var g = ThermalGovernor(soft: 75, hard: 85, hysteresis: 5)
        func step(_ t: Double) -> String? {
            let before = g.state
            let stretch = g.update(t)
            return g.change(from: before, celsius: t, stretch: stretch)
        }
        XCTAssertNil(step(60))
        XCTAssertEqual(step(78.2), "thermal: 78.2 °C above soft limit 75 °C, slowing to 2.0× the interval (4× at 85 °C)")
        XCTAssertNil(step(80), "still slowed: nothing new to say")
        XCTAssertEqual(step(86), "thermal: 86.0 °C at or above hard limit 85 °C, classification paused")
        XCTAssertNil(step(82))
        XCTAssertEqual(step(79), "thermal: 79.0 °C below 80 °C (hard limit − hysteresis), classifying again at 2.2× the interval")
        XCTAssertEqual(step(69.5), "thermal: 69.5 °C below 70 °C (soft limit − hysteresis), recovered: full pace")
    }

    /// A reload keeps the thermal state: a paused board stays paused under the new settings.
    func testReloadCarriesTheThermalState() {
        var old = ThermalGovernor(soft: 70, hard: 80, hysteresis: 5)
        _ = old.update(81)
        var new = ThermalGovernor(soft: 70, hard: 80, hysteresis: 5)
        new.carryState(from: old)
        let before = new.state
        XCTAssertTrue(new.update(78).isInfinite, "78 °C is within the hysteresis of a pause, not a reason to resume")
        XCTAssertNil(new.change(from: before, celsius: 78, stretch: .infinity))
    }

    func testZonesReadTheHottest() throws {
        let root = try fakeSysfs(["thermal_zone0": "41000\n", "thermal_zone1": "67500\n", "cooling_device0": "1\n"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        XCTAssertEqual(ThermalZones(root: root).hottest(), 67.5)
        try FileManager.default.createDirectory(atPath: root + "/thermal_zone2", withIntermediateDirectories: true)
        try "garbage\n".write(toFile: root + "/thermal_zone2/temp", atomically: true, encoding: .utf8)
        XCTAssertEqual(ThermalZones(root: root).hottest(), 67.5, "an unreadable zone is ignored")
        XCTAssertNil(ThermalZones(root: root + "/absent").hottest())
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
