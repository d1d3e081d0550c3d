import Foundation
import LookoutLifecycle
import LookoutJournal
import LookoutFiles

/// A bridge's state folder ($STATE_DIRECTORY under systemd): the journal cursor of the last entry the
/// far end acknowledged, and whatever else the bridge must remember, each file replaced atomically.
public struct StateFolder {
    public let url: URL

    public init(_ path: String) throws {
        url = URL(fileURLWithPath: path, isDirectory: true)
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw CLIText("state folder \(path): cannot create (\((error as NSError).localizedFailureReason ?? "\(error)"))")
        }
    }

    var cursorFile: URL { url.appendingPathComponent("cursor") }

    public func cursor() -> String? {
        (try? String(contentsOf: cursorFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func saveCursor(_ cursor: String) throws { try AtomicFile.write(Data((cursor + "\n").utf8), to: cursorFile) }

    public func load<T: Decodable>(_ type: T.Type, from name: String) -> T? {
        (try? Data(contentsOf: url.appendingPathComponent(name))).flatMap { try? JSONDecoder().decode(type, from: $0) }
    }

    public func save<T: Encodable>(_ value: T, to name: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(value), to: url.appendingPathComponent(name))
    }
}

/// SIGTERM and SIGINT (LookoutLifecycle's SignalStream) ask a bridge to finish what it is doing and
/// stop; its loop, synchronous around libmosquitto and sd-journal, polls `requested`.
public final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var stop = false

    public init() {
        let signals = SignalStream([SIGTERM, SIGINT])
        Task.detached { [weak self] in
            for await _ in signals {
                guard let self else { return }
                self.lock.withLock { self.stop = true }
            }
        }
    }

    public var requested: Bool { lock.withLock { stop } }

    /// Sleeps up to `seconds`, waking early when a stop is requested.
    public func sleep(_ seconds: Double) {
        let end = Date().addingTimeInterval(seconds)
        while !requested, Date() < end { usleep(100_000) }
    }
}

/// Retry delays that double from 1 s up to a ceiling, reset after a success.
struct Backoff {
    let maximum: Double
    private(set) var next = 1.0

    init(maximum: Double) { self.maximum = maximum }

    mutating func delay() -> Double {
        defer { next = min(maximum, next * 2) }
        return next
    }

    mutating func reset() { next = 1 }
}

/// What every bridge runs on: lookoutd's entries, its state folder, the stop request, and where its
/// one-line notes go (stderr, so the unit's journal).
public struct BridgeContext {
    public let entries: LookoutdEntries
    public let folder: StateFolder
    public let stop: StopRequest
    public let log: (String) -> Void

    public init(entries: LookoutdEntries, folder: StateFolder, stop: StopRequest, log: @escaping (String) -> Void) {
        (self.entries, self.folder, self.stop, self.log) = (entries, folder, stop, log)
    }
}
