import Foundation

/// What lookoutd reports: a label coming into view, leaving it, and a periodic heartbeat.
public enum DaemonEvent: Sendable {
    public struct Score: Codable, Sendable { public var label: String; public var score: Float }

    case started(label: String, confidence: Float, top: [Score], frame: UInt64, capturedAt: Date, latencyMs: Double)
    case ended(label: String, durationSeconds: Double, peakConfidence: Float, frame: UInt64, capturedAt: Date)
    case heartbeat(fps: Double, classifications: UInt64, dropped: UInt64, cpuCores: Double, cpuBudget: Double,
                   lastLabel: String?, latencyMs: Double?)
}

/// Where events go. Implementations must not block for long: they run on the classification path.
public protocol EventSink: Sendable {
    func emit(_ event: DaemonEvent, camera: String) throws
}

/// One JSON object per line, flushed per event: for foreground runs (stdout) and `Logs/*.jsonl` files.
public final class JSONLinesSink: EventSink, @unchecked Sendable {
    private let handle: FileHandle
    private let lock = NSLock()
    private let formatter: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()

    public init(handle: FileHandle) { self.handle = handle }

    /// Appends to `path`, creating its folder.
    public convenience init(path: String) throws {
        let url = URL(fileURLWithPath: path)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ConfigError("\(path): cannot open for events (\(String(cString: strerror(errno))))") }
        self.init(handle: FileHandle(fileDescriptor: fd, closeOnDealloc: true))
    }

    public func emit(_ event: DaemonEvent, camera: String) throws {
        var object: [String: Any] = ["camera": camera]
        switch event {
        case .started(let label, let confidence, let top, let frame, let capturedAt, let latency):
            object.merge(["event": "started", "label": label, "confidence": Double(confidence),
                          "top": top.map { ["label": $0.label, "score": Double($0.score)] }, "frame": frame,
                          "captured_at": formatter.string(from: capturedAt), "latency_ms": latency]) { $1 }
        case .ended(let label, let duration, let peak, let frame, let capturedAt):
            object.merge(["event": "ended", "label": label, "duration_s": duration, "peak_confidence": Double(peak),
                          "frame": frame, "captured_at": formatter.string(from: capturedAt)]) { $1 }
        case .heartbeat(let fps, let classifications, let dropped, let cpu, let budget, let last, let latency):
            object.merge(["event": "heartbeat", "fps": fps, "classifications": classifications, "dropped": dropped,
                          "cpu_cores": cpu, "cpu_budget": budget, "last_label": last ?? NSNull(),
                          "latency_ms": latency ?? NSNull()]) { $1 }
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        try lock.withLock { try handle.write(contentsOf: data + Data("\n".utf8)) }
    }
}
