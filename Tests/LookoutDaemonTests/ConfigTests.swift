import Foundation
@testable import LookoutDaemon
import LookoutTestSupport
import XCTest

final class ConfigTests: XCTestCase {
    func write(_ yaml: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-\(UUID().uuidString).yaml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    /// The shipped file is the key table written out: every key of `DaemonConfig.table` is in it,
    /// nothing else (an unknown key would be refused), and each with the table's default (loading
    /// it changes nothing).
    func testShippedConfigIsTheKeyTableWithItsDefaults() throws {
        let shipped = Fixtures.packageRoot.appendingPathComponent("Config/lookout.yaml").path
        let values = try ConfigFile.values(file: shipped, keys: DaemonConfig.keys, environmentPrefix: "LOOKOUT_", environment: [:])
        XCTAssertEqual(Set(values.keys), Set(DaemonConfig.table.map(\.name)), "keys in the file and in the table")
        XCTAssertEqual(DaemonConfig.table.count, DaemonConfig.keys.count, "each key once in the table")
        XCTAssertEqual(try DaemonConfig.load(file: shipped, environment: [:]), DaemonConfig())
    }

    func testValuesAndEnvironmentOverrides() throws {
        let file = try write("classify:\n  max_rate: 2\n  cpu_budget: 0.25\nevents:\n  thresholds: {person: 0.8}\n  ignore: []\n")
        let c = try DaemonConfig.load(file: file, environment: ["LOOKOUT_CLASSIFY_MAX_RATE": "7.5", "LOOKOUT_EVENTS_IGNORE": "[background, cat]"])
        XCTAssertEqual(c.classify.maxRate, 7.5, "the environment wins over the file")
        XCTAssertEqual(c.classify.cpuBudget, 0.25)
        XCTAssertEqual(c.events.thresholds, ["person": 0.8])
        XCTAssertEqual(c.events.ignore, ["background", "cat"])
        let extras = try DaemonConfig.load(file: nil, environment: [
            "LOOKOUT_THERMAL_ROOT": "/tmp/zones", "LOOKOUT_THERMAL_HARD_C": "90", "LOOKOUT_MOTION_ENABLED": "true",
            "LOOKOUT_POWER_BOARD": "raspberry-pi-4b", "LOOKOUT_INBOX_PATH": "/tmp/inbox", "LOOKOUT_INBOX_ON_STARTED": "false",
        ])
        XCTAssertEqual(extras.thermal.root, "/tmp/zones")
        XCTAssertEqual(extras.thermal.hardC, 90)
        XCTAssertTrue(extras.motion.enabled)
        XCTAssertEqual(extras.power.board, "raspberry-pi-4b")
        XCTAssertEqual(extras.inbox.path, "/tmp/inbox")
        XCTAssertFalse(extras.inbox.onStarted)
    }

    func testErrorsNameFileAndKey() throws {
        let cases: [(String, String)] = [
            ("classify:\n  max_rte: 2\n", "unknown key classify.max_rte"),
            ("classify:\n  max_rate: -1\n", "classify.max_rate: must be a number from 0.0001 to 1000.0 (got -1)"),
            ("events:\n  threshold: lots\n", "events.threshold: must be a number from 0.0 to 1.0 (got lots)"),
            ("source:\n  replay_loop: maybe\n", "source.replay_loop: must be true or false (got maybe)"),
            ("events:\n  sink: syslog\n", "events.sink: must be one of stdout, jsonl, journal (got syslog)"),
            ("events:\n  min_frames: 5\n  window: 3\n", "events.window (3) must be at least events.min_frames (5)"),
            ("classify: [1, 2]\n", "classify must be a mapping"),
            ("source: {device: [/dev/video0\n", "not valid YAML"),
            ("thermal:\n  soft_c: 80\n  hard_c: 75\n", "thermal.hard_c (75.0) must be above thermal.soft_c (80.0)"),
            ("thermal:\n  hysteresis_c: -1\n", "thermal.hysteresis_c: must be a number from 0.0 to 50.0 (got -1)"),
            ("motion:\n  threshold: 300\n", "motion.threshold: must be a number from 0.0 to 255.0 (got 300)"),
            ("motion:\n  enabled: sometimes\n", "motion.enabled: must be true or false (got sometimes)"),
            ("inbox:\n  uncertain_low: 0.7\n", "inbox.uncertain_high (0.6) must be at least inbox.uncertain_low (0.7)"),
            ("inbox:\n  max_megabytes: 0\n", "inbox.max_megabytes: must be a number from 0.001 to 10000000.0 (got 0)"),
        ]
        for (yaml, expected) in cases {
            let file = try write(yaml)
            XCTAssertThrowsError(try DaemonConfig.load(file: file, environment: [:]), yaml) { error in
                XCTAssertTrue("\(error)".hasPrefix(file) && "\(error)".contains(expected), "\(error)")
            }
        }
        XCTAssertThrowsError(try DaemonConfig.load(file: "/nonexistent/lookout.yaml", environment: [:])) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/lookout.yaml: cannot read"), "\(error)")
        }
        XCTAssertThrowsError(try DaemonConfig.load(file: nil, environment: ["LOOKOUT_CLASSIFY_TOP_K": "0"])) { error in
            XCTAssertTrue("\(error)".contains("classify.top_k"), "\(error)")
        }
    }

    /// Numbers that a bare "above 0" let through, and that then overflowed an integer conversion
    /// (a sleep in nanoseconds, a byte count, a V4L2 frame rate): each is refused in one line naming
    /// file, key and value. Every key's extremes still convert.
    func testNumbersOutsideWhatTheirUsesHoldAreRefused() throws {
        let cases = [("classify", "max_rate", "1e-12"), ("classify", "cpu_budget", "1e-300"), ("source", "replay_fps", "1e-12"),
                     ("source", "fps", "1e19"), ("inbox", "max_megabytes", "1e13"), ("events", "heartbeat_seconds", "1e-320"),
                     ("motion", "max_skip_seconds", "1e300"), ("classify", "max_rate", ".inf"), ("classify", "cpu_budget", ".nan")]
        for (section, key, value) in cases {
            let file = try write("\(section):\n  \(key): \(value)\n")
            XCTAssertThrowsError(try DaemonConfig.load(file: file, environment: [:])) { error in
                let line = "\(error)"
                XCTAssertTrue(line.hasPrefix("\(file): \(section).\(key): must be a number from ") && line.hasSuffix("(got \(value))")
                              && !line.contains("\n"), line)
            }
        }
        // The extremes each use must hold: the slowest pace and smallest budget as a sleep in
        // nanoseconds, the largest inbox in bytes, the fastest camera as a V4L2 rate.
        let slowest = try DaemonConfig.load(file: try write("classify: {max_rate: 0.0001, cpu_budget: 0.01}\n"), environment: [:])
        let wait = Pacer(maxRate: slowest.classify.maxRate, cpuBudget: slowest.classify.cpuBudget).delay(startedAt: 0, cpu: 60, now: 0, stretch: 4)
        XCTAssertNotNil(UInt64(exactly: (wait * 1e9).rounded()))
        let largest = try DaemonConfig.load(file: nil, environment: ["LOOKOUT_INBOX_MAX_MEGABYTES": "10000000", "LOOKOUT_SOURCE_FPS": "1000",
                                                                     "LOOKOUT_SOURCE_REPLAY_FPS": "0.01"])
        XCTAssertNotNil(Int(exactly: largest.inbox.maxMegabytes * 1_000_000))
        XCTAssertNotNil(UInt32(exactly: largest.source.fps.rounded()))
        XCTAssertNotNil(UInt64(exactly: (1 / largest.source.replayFPS * 1e9).rounded()))
    }

    /// Found by the config fuzz target (FUZZING.md): an empty file leaked 4 kB per load (Foundation's
    /// String(contentsOfFile:)), and SIGHUP rereads the config. Empty means the defaults; bytes that are
    /// not UTF-8 and a FIFO are refused in one line naming the file, the FIFO without waiting for a writer.
    func testEmptyNonUTF8AndFIFOConfigFiles() throws {
        XCTAssertEqual(try DaemonConfig.load(file: try write(""), environment: [:]), DaemonConfig())
        let bad = try write("")
        try Data([0x61, 0x3A, 0x20, 0xFF, 0xFE, 0x0A]).write(to: URL(fileURLWithPath: bad))
        XCTAssertThrowsError(try DaemonConfig.load(file: bad, environment: [:])) { error in
            XCTAssertEqual("\(error)", "\(bad): cannot read (not UTF-8 text)")
        }
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-\(UUID().uuidString).fifo").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        defer { unlink(fifo) }
        XCTAssertThrowsError(try DaemonConfig.load(file: fifo, environment: [:])) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(fifo): cannot read ("), "\(error)")
        }
    }

    func testPacerKeepsRateAndBudget() {
        let pacer = Pacer(maxRate: 2, cpuBudget: 0.25)
        // A cheap step: the rate limit decides (0.5 s apart).
        XCTAssertEqual(pacer.delay(startedAt: 10, cpu: 0.01, now: 10.02), 0.48, accuracy: 1e-9)
        // An expensive step: 0.2 s of CPU at a quarter core earns 0.8 s.
        XCTAssertEqual(pacer.delay(startedAt: 10, cpu: 0.2, now: 10.25), 0.55, accuracy: 1e-9)
        XCTAssertEqual(pacer.delay(startedAt: 10, cpu: 0.2, now: 11), 0)
        // Thermal backoff stretches the step: 2.5 × 0.8 s.
        XCTAssertEqual(pacer.delay(startedAt: 10, cpu: 0.2, now: 10.25, stretch: 2.5), 1.75, accuracy: 1e-9)
    }
}
