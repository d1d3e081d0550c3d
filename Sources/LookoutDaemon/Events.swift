import Foundation

/// What lookoutd reports: a label coming into view, leaving it, and a periodic heartbeat.
public enum DaemonEvent: Sendable {
    public struct Score: Codable, Sendable { public var label: String; public var score: Float }

    case started(label: String, confidence: Float, top: [Score], frame: UInt64, capturedAt: Date, latencyMs: Double,
                 snapshot: String?)
    case ended(label: String, durationSeconds: Double, peakConfidence: Float, frame: UInt64, capturedAt: Date)
    case heartbeat(fps: Double, classifications: UInt64, dropped: UInt64, cpuCores: Double, cpuBudget: Double,
                   lastLabel: String?, latencyMs: Double?, skippedStatic: UInt64, temperatureC: Double?, thermal: String,
                   powerWEstimate: Double?, inboxSaved: UInt64, inboxSkipped: UInt64, stalled: Bool, sinceFrameSeconds: Double)
}

/// What every event from one pipeline shares: the camera, and the model and head that judged it.
public struct EventContext: Sendable, Equatable {
    public var camera: String
    public var modelSHA256: String
    public var head: String?

    public init(camera: String, modelSHA256: String, head: String?) {
        (self.camera, self.modelSHA256, self.head) = (camera, modelSHA256, head)
    }
}

extension DaemonEvent {
    public var kind: String {
        switch self {
        case .started: "started"
        case .ended: "ended"
        case .heartbeat: "heartbeat"
        }
    }

    /// The event as a JSON object, keyed as Logs/events.md documents (LookoutEvents.EventSchema
    /// maps the keys to journald fields). nil values are JSON null.
    public func record(_ context: EventContext) -> [String: Any] {
        var object: [String: Any] = ["event": kind, "camera": context.camera, "model_sha256": context.modelSHA256,
                                     "head": context.head ?? NSNull()]
        switch self {
        case .started(let label, let confidence, let top, let frame, let capturedAt, let latency, let snapshot):
            object.merge(["label": label, "confidence": Double(confidence),
                          "top": top.map { ["label": $0.label, "score": Double($0.score)] }, "frame": frame,
                          "captured_at": timestamp(capturedAt), "latency_ms": latency, "snapshot": snapshot ?? NSNull()]) { $1 }
        case .ended(let label, let duration, let peak, let frame, let capturedAt):
            object.merge(["label": label, "duration_s": duration, "peak_confidence": Double(peak),
                          "frame": frame, "captured_at": timestamp(capturedAt)]) { $1 }
        case .heartbeat(let fps, let classifications, let dropped, let cpu, let budget, let last, let latency,
                        let skipped, let temperature, let thermal, let watts, let inboxSaved, let inboxSkipped, let stalled, let since):
            object.merge(["fps": fps, "classifications": classifications, "dropped": dropped,
                          "cpu_cores": cpu, "cpu_budget": budget, "last_label": last ?? NSNull(),
                          "latency_ms": latency ?? NSNull(), "skipped_static": skipped,
                          "temperature_c": temperature ?? NSNull(), "thermal": thermal,
                          "power_w_estimate": watts ?? NSNull(), "inbox_saved": inboxSaved,
                          "inbox_skipped": inboxSkipped, "stalled": stalled, "since_frame_s": since]) { $1 }
        }
        return object
    }

    /// One readable sentence: journald's MESSAGE, `lookout tail`'s line.
    public func sentence(camera: String) -> String {
        let where_ = (camera as NSString).lastPathComponent
        switch self {
        case .started(let label, let confidence, _, _, _, _, _):
            return "\(label) seen on \(where_) (\(String(format: "%.2f", confidence)))"
        case .ended(let label, let duration, let peak, _, _):
            return "\(label) gone from \(where_) after \(String(format: "%.1f", duration)) s (peak \(String(format: "%.2f", peak)))"
        case .heartbeat(let fps, _, let dropped, let cpu, let budget, _, _, _, _, _, _, _, _, let stalled, let since):
            let stall = stalled ? "camera stalled, no frame for \(String(format: "%.0f", since)) s; " : ""
            return "\(where_): \(stall)\(String(format: "%.1f", fps)) classifications/s, \(dropped) frames dropped, "
                + "CPU \(String(format: "%.2f", cpu)) of \(String(format: "%.2f", budget)) cores"
        }
    }
}

private let timestampFormatter: ISO8601DateFormatter = {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f
}()

private func timestamp(_ date: Date) -> String { timestampFormatter.string(from: date) }

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
