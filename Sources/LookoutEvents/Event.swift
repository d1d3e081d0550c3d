import Foundation

/// An event's keys, spelled once: its JSON keys, and behind `LOOKOUT_` in capitals its journald
/// fields (EventSchema.journalName). Field reference: Logs/events.md.
public enum EventKey: String, CaseIterable, Sendable {
    case event, camera, head, label, confidence, top, score, frame, snapshot, fps, classifications, dropped, stalled, thermal
    case streaming
    case modelSHA256 = "model_sha256", capturedAt = "captured_at", latencyMs = "latency_ms", durationS = "duration_s"
    case peakConfidence = "peak_confidence", cpuCores = "cpu_cores", cpuBudget = "cpu_budget", lastLabel = "last_label"
    case skippedStatic = "skipped_static", temperatureC = "temperature_c", powerWEstimate = "power_w_estimate"
    case inboxSaved = "inbox_saved", inboxSkipped = "inbox_skipped", sinceFrameS = "since_frame_s"
    case latencyBucketsMs = "latency_buckets_ms", latencySumMs = "latency_sum_ms", cameraState = "camera_state"

    /// Values that stay text when read back from the journal, even when they look like numbers (a label "7").
    public var isText: Bool {
        switch self {
        case .event, .camera, .label, .lastLabel, .capturedAt, .modelSHA256, .head, .snapshot, .thermal, .cameraState: true
        default: false
        }
    }
}

/// The kinds of event, as the `event` key names them.
public enum EventKind: String, CaseIterable, Sendable {
    case started, ended, heartbeat
}

extension Dictionary where Key == String {
    /// An event record's value for `key`.
    public subscript(key: EventKey) -> Value? {
        get { self[key.rawValue] }
        set { self[key.rawValue] = newValue }
    }
}

/// What lookoutd reports: a label coming into view, leaving it, and a periodic heartbeat.
public enum DaemonEvent: Sendable {
    public struct Score: Codable, Sendable {
        public var label: String
        public var score: Float
        public init(label: String, score: Float) { (self.label, self.score) = (label, score) }
    }

    case started(label: String, confidence: Float, top: [Score], frame: UInt64, capturedAt: Date, latencyMs: Double,
                 snapshot: String?)
    case ended(label: String, durationSeconds: Double, peakConfidence: Float, frame: UInt64, capturedAt: Date)
    case heartbeat(fps: Double, classifications: UInt64, dropped: UInt64, cpuCores: Double, cpuBudget: Double,
                   lastLabel: String?, latencyMs: Double?, skippedStatic: UInt64, temperatureC: Double?, thermal: String,
                   powerWEstimate: Double?, inboxSaved: UInt64, inboxSkipped: UInt64, stalled: Bool, sinceFrameSeconds: Double,
                   latency: LatencyHistogram)
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
    public var kind: EventKind {
        switch self {
        case .started: .started
        case .ended: .ended
        case .heartbeat: .heartbeat
        }
    }

    /// The event as a JSON object, keyed by EventKey as Logs/events.md documents (EventSchema maps
    /// the keys to journald fields). nil values are JSON null.
    public func record(_ context: EventContext) -> [String: Any] {
        var object: [String: Any] = [:]
        object[.event] = kind.rawValue
        object[.camera] = context.camera
        object[.modelSHA256] = context.modelSHA256
        object[.head] = context.head ?? NSNull()
        switch self {
        case .started(let label, let confidence, let top, let frame, let capturedAt, let latency, let snapshot):
            object[.label] = label
            object[.confidence] = Double(confidence)
            object[.top] = top.map { [EventKey.label.rawValue: $0.label, EventKey.score.rawValue: Double($0.score)] }
            object[.frame] = frame
            object[.capturedAt] = timestamp(capturedAt)
            object[.latencyMs] = latency
            object[.snapshot] = snapshot ?? NSNull()
        case .ended(let label, let duration, let peak, let frame, let capturedAt):
            object[.label] = label
            object[.durationS] = duration
            object[.peakConfidence] = Double(peak)
            object[.frame] = frame
            object[.capturedAt] = timestamp(capturedAt)
        case .heartbeat(let fps, let classifications, let dropped, let cpu, let budget, let last, let latency,
                        let skipped, let temperature, let thermal, let watts, let inboxSaved, let inboxSkipped, let stalled, let since,
                        let histogram):
            object[.fps] = fps
            object[.classifications] = classifications
            object[.dropped] = dropped
            object[.cpuCores] = cpu
            object[.cpuBudget] = budget
            object[.lastLabel] = last ?? NSNull()
            object[.latencyMs] = latency ?? NSNull()
            object[.skippedStatic] = skipped
            object[.temperatureC] = temperature ?? NSNull()
            object[.thermal] = thermal
            object[.powerWEstimate] = watts ?? NSNull()
            object[.inboxSaved] = inboxSaved
            object[.inboxSkipped] = inboxSkipped
            object[.stalled] = stalled
            object[.sinceFrameS] = since
            object[.latencyBucketsMs] = histogram.buckets
            object[.latencySumMs] = histogram.sumMs
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
        case .heartbeat(let fps, _, let dropped, let cpu, let budget, _, _, _, _, _, _, _, _, let stalled, let since, _):
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
