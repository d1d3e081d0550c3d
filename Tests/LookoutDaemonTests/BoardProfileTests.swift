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
        }
        let pi4 = try BoardProfile.load("\(boards)/raspberry-pi-4b.yaml")
        // Half a core of four: 2.7 + (6.4 − 2.7) × 0.125.
        XCTAssertEqual(pi4.estimatedWatts(cpuCores: 0.5), 3.1625, accuracy: 1e-9)
    }

    func testBadProfilesNameTheFileAndTheCause() throws {
        XCTAssertThrowsError(try BoardProfile.load("no-such-board", folders: [boards])) { error in
            XCTAssertTrue("\(error)".contains("power.board: no board profile no-such-board"), "\(error)")
        }
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("board-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: bad) }
        try "name: x\ncores: 4\nidle_watts: 5\nfull_load_watts: 2\n".write(toFile: bad, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try BoardProfile.load(bad)) { error in
            XCTAssertTrue("\(error)".hasPrefix(bad) && "\(error)".contains("idle_watts ≤ full_load_watts"), "\(error)")
        }
    }
}
