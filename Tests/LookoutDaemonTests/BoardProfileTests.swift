import Foundation
import LookoutDaemon
import LookoutTestSupport
import XCTest

final class BoardProfileTests: XCTestCase {
    var boards: String { Fixtures.packageRoot.appendingPathComponent("Config/boards").path }

    func testShippedProfilesLoadAndEstimate() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: boards).filter { $0.hasSuffix(".yaml") }
        XCTAssertGreaterThanOrEqual(files.count, 3)
        for file in files {
            let name = String(file.dropLast(".yaml".count))
            let profile = try BoardProfile.load(name, folders: [boards])
            XCTAssertEqual(profile.estimatedWatts(cpuCores: 0), profile.idleWatts, name)
            XCTAssertEqual(profile.estimatedWatts(cpuCores: Double(profile.cores)), profile.fullLoadWatts, name)
            XCTAssertEqual(profile.estimatedWatts(cpuCores: 99), profile.fullLoadWatts, "never above full load")
            XCTAssertGreaterThan(profile.maxClockMHz, 0, name)
        }
        let pi4 = try BoardProfile.load("\(boards)/raspberry-pi-4b.yaml")
        // Half a core of four: 2.7 + (6.4 − 2.7) × 0.125.
        XCTAssertEqual(pi4.estimatedWatts(cpuCores: 0.5), 3.1625, accuracy: 1e-9)
    }

    func testBadProfilesNameTheFileAndTheKey() throws {
        XCTAssertThrowsError(try BoardProfile.load("no-such-board", folders: [boards])) { error in
            XCTAssertTrue("\(error)".contains("power.board: no board profile no-such-board"), "\(error)")
        }
        let good = "name: x\ncores: 4\nmax_clock_mhz: 1500\nidle_watts: 2\nfull_load_watts: 5\n"
        let cases: [(String, String)] = [
            (good.replacingOccurrences(of: "idle_watts: 2", with: "idle_watts: 5")
                .replacingOccurrences(of: "full_load_watts: 5", with: "full_load_watts: 2"), "full_load_watts (2.0) must be at least idle_watts (5.0)"),
            (good.replacingOccurrences(of: "max_clock_mhz: 1500\n", with: ""), "max_clock_mhz is missing"),
            (good.replacingOccurrences(of: "cores: 4", with: "cores: four"), "cores: must be a whole number"),
            (good + "idle_wats: 2\n", "unknown key idle_wats"),
            ("- just\n- a list\n", "must be a mapping"),
        ]
        for (yaml, expected) in cases {
            let bad = FileManager.default.temporaryDirectory.appendingPathComponent("board-\(UUID().uuidString).yaml").path
            defer { try? FileManager.default.removeItem(atPath: bad) }
            try yaml.write(toFile: bad, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try BoardProfile.load(bad), yaml) { error in
                XCTAssertTrue("\(error)".hasPrefix(bad) && "\(error)".contains(expected), "\(error)")
            }
        }
    }

    /// A profile that is a FIFO is refused at once, naming it (reading one would wait for a writer).
    func testFIFOProfileIsRefusedWithoutBlocking() throws {
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("board-\(UUID().uuidString).yaml").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        defer { unlink(fifo) }
        XCTAssertThrowsError(try BoardProfile.load(fifo)) { error in
            XCTAssertEqual("\(error)", "\(fifo): cannot read (a FIFO, not a regular file)")
        }
    }
}
