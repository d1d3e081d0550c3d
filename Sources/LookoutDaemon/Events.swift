import Foundation
import LookoutEvents

/// Where events go. Implementations must not block for long: they run on the classification path.
public protocol EventSink: Sendable {
    func emit(_ event: DaemonEvent, context: EventContext) throws
}

/// One JSON object per line, flushed per event: for foreground runs (stdout) and `Logs/*.jsonl` files.
public final class JSONLinesSink: EventSink, @unchecked Sendable {
    private let handle: FileHandle
    private let lock = NSLock()

    public init(handle: FileHandle) { self.handle = handle }

    /// Appends to `path`, creating its folder.
    public convenience init(path: String) throws {
        let url = URL(fileURLWithPath: path)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ConfigError("\(path): cannot open for events (\(String(cString: strerror(errno))))") }
        self.init(handle: FileHandle(fileDescriptor: fd, closeOnDealloc: true))
    }

    public func emit(_ event: DaemonEvent, context: EventContext) throws {
        try write(event.record(context))
    }

    /// Writes one object as a line (also used for fallback log lines).
    public func write(_ object: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        try lock.withLock { try handle.write(contentsOf: data + Data("\n".utf8)) }
    }
}
