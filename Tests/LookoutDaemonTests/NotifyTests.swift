import Foundation
import LookoutTestSupport
import XCTest

/// lookoutd as systemd sees it, through a NOTIFY_SOCKET the test owns: READY once running,
/// STATUS and WATCHDOG while frames flow, RELOADING/READY around SIGHUP with a valid config
/// (swapped in, same process) and an invalid one (refused, the old one keeps running), STOPPING
/// on SIGTERM.
final class NotifyTests: XCTestCase {
    func testReadyStatusWatchdogReloadAndStop() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-notify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("lookout.yaml")
        func writeConfig(_ model: String, budget: String = "2") throws {
            try """
                source: {replay: \(try Fixtures.photo("cat.png").deletingLastPathComponent().path), replay_fps: 10}
                model: {path: \(model)}
                classify: {max_rate: 20, cpu_budget: \(budget)}
                events: {heartbeat_seconds: 0.5}
                """.write(to: config, atomically: true, encoding: .utf8)
        }
        try writeConfig("mobilenet_v1_0.25_128_quant")
        let socket = try NotifySocket(path: folder.appendingPathComponent("notify").path)

        let (process, stdout, stderr) = try startLookoutd(["--config", config.path],
                                                          environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "1000000"])
        defer { if process.isRunning { process.terminate() } }

        XCTAssertNotNil(socket.wait(for: "READY=1"), "READY=1 once the model is loaded and the source open")
        // Pings every 0.5 s (half of WatchdogSec=1s), and a status saying how classification goes.
        func model() -> String? { stdout.events().last?["model_sha256"] as? String }
        let flowing = socket.collect { messages in
            messages.filter { $0 == "WATCHDOG=1" }.count >= 2
                && messages.contains { $0.hasPrefix("STATUS=") && $0.contains("classifications/s") } && model() != nil
        }
        XCTAssertGreaterThanOrEqual(flowing.filter { $0 == "WATCHDOG=1" }.count, 2, "\(flowing)")
        XCTAssertTrue(flowing.contains { $0.hasPrefix("STATUS=") && $0.contains("classifications/s") }, "\(flowing)")
        let firstModel = try XCTUnwrap(model())

        // A valid new config: another model, swapped in by the same process.
        try writeConfig("mobilenet_v1_0.5_160_quant")
        kill(process.processIdentifier, SIGHUP)
        let reload = socket.collect(until: "READY=1")
        XCTAssertTrue(reload.first { $0 != "WATCHDOG=1" && !$0.hasPrefix("STATUS=") }?.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") == true,
                      "\(reload)")
        XCTAssertEqual(reload.last, "READY=1")
        _ = socket.collect { _ in model().map { $0 != firstModel } ?? false }
        let secondModel = try XCTUnwrap(model())
        XCTAssertNotEqual(secondModel, firstModel, "events after the reload come from the new model")
        XCTAssertTrue(process.isRunning)
        XCTAssertTrue(stderr.text.contains("reloaded in"), stderr.text)

        // An invalid one: refused with the key named, the running config stays.
        try writeConfig("mobilenet_v1_0.25_128_quant", budget: "lots")
        kill(process.processIdentifier, SIGHUP)
        XCTAssertEqual(socket.collect(until: "READY=1").last, "READY=1")
        let eventsAtRefusal = stdout.events().count
        _ = socket.collect { _ in stdout.events().count > eventsAtRefusal }
        XCTAssertTrue(process.isRunning)
        XCTAssertTrue(stderr.text.contains("reload refused") && stderr.text.contains("classify.cpu_budget"), stderr.text)
        XCTAssertEqual(stdout.events().last?["model_sha256"] as? String, secondModel, "still the last good model")

        kill(process.processIdentifier, SIGTERM)
        XCTAssertNotNil(socket.wait(for: "STOPPING=1"))
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }
}

/// A Unix datagram socket standing in for systemd's notify socket.
final class NotifySocket {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8.prefix($0.count - 1)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    }

    deinit { close(fd) }

    /// The next message, or nil after `seconds`.
    func receive(seconds: Double) -> String? {
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
    }

    /// Messages until `done` holds for those received so far (checked at least every 0.1 s, so it
    /// may also look elsewhere) or `patience` runs out. Reading all along keeps the sender from blocking.
    func collect(until done: ([String]) -> Bool) -> [String] {
        var messages: [String] = []
        _ = eventually {
            if let message = receive(seconds: 0.1) { messages.append(message) }
            return done(messages)
        }
        return messages
    }

    /// Messages until one equals `last` (included).
    func collect(until last: String) -> [String] {
        collect { $0.last == last }
    }

    func wait(for message: String) -> String? {
        collect(until: message).last { $0 == message }
    }
}

/// lookoutd (this build's) started with `arguments` and the tests' environment plus `environment`,
/// its stdout and stderr collected as they come.
func startLookoutd(_ arguments: [String], environment: [String: String]) throws -> (Process, Collector, Collector) {
    let process = Process()
    process.executableURL = Fixtures.program("lookoutd")
    process.arguments = arguments
    process.environment = Fixtures.environment(environment)
    let stdout = Collector(), stderr = Collector()
    process.standardOutput = stdout.pipe
    process.standardError = stderr.pipe
    try process.run()
    return (process, stdout, stderr)
}

/// Collects what a child prints, read as it comes so the child never blocks on a full pipe.
final class Collector: @unchecked Sendable {
    let pipe = Pipe()
    private let lock = NSLock()
    private var data = Data()

    init() {
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let chunk = handle.availableData
            self?.lock.withLock { self?.data.append(chunk) }
        }
    }

    var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }

    func events() -> [[String: Any]] {
        text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}
