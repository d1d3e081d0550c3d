import Foundation
import LookoutEvents

/// What `lookout metrics` knows from lookoutd's journal entries, per camera; kept in the state folder
/// together with the cursor of the last entry counted (one file, replaced atomically), so counters
/// carry on across restarts without counting an entry twice.
public struct MetricsState: Codable, Equatable {
    public struct Camera: Codable, Equatable {
        /// From the last heartbeat (lookoutd's own counters, since it started).
        public var classifications: Double?
        public var dropped: Double?
        public var fps: Double?
        public var cpuCores: Double?
        public var cpuBudget: Double?
        public var temperatureC: Double?
        public var powerW: Double?
        public var thermal: String?
        /// Cumulative counts per upper bound in ms ("+Inf" last) and their sum, since lookoutd started.
        public var latencyBuckets: [String: Double]?
        public var latencySumMs: Double?
        public var heartbeatAt: Double?
        /// Counted here: events by label and kind (started, ended).
        public var events: [String: [String: Double]] = [:]
        /// The camera's last state entry: streaming or not, and lookoutd's words for it.
        public var streaming: Bool?
        public var cameraState: String?
    }

    public var cursor: String?
    public var cameras: [String: Camera] = [:]
    public var malformed: Double = 0

    public init() {}

    /// Counts one of lookoutd's entries; returns a line to log when it is malformed (and skipped).
    public mutating func count(_ fields: [String: String], written: Date) -> String? {
        let record = EventSchema.record(fromJournal: fields)
        guard let camera = record[.camera] as? String, !camera.isEmpty else {
            return record[.event] == nil && fields["MESSAGE_ID"] != EventSchema.messageIDs["camera"] ? nil : skip("no camera", fields, written)
        }
        func number(_ key: EventKey) -> Double? {
            guard let value = record[key] as? NSNumber, value.doubleValue.isFinite else { return nil }
            return value.doubleValue
        }
        var state = cameras[camera] ?? Camera()
        if fields["MESSAGE_ID"] == EventSchema.messageIDs["camera"] {
            state.streaming = (record[.streaming] as? Bool) ?? (record[.streaming] as? NSNumber)?.boolValue
            state.cameraState = record[.cameraState] as? String
        } else {
            switch record[.event] as? String {
            case EventKind.started.rawValue, EventKind.ended.rawValue:
                guard let label = record[.label] as? String, !label.isEmpty else { return skip("no label", fields, written) }
                state.events[label, default: [:]][record[.event] as! String, default: 0] += 1
            case EventKind.heartbeat.rawValue:
                for key in [EventKey.fps, .classifications, .dropped, .cpuCores, .cpuBudget] where number(key) == nil {
                    return skip("\(key.rawValue) is \(record[key].map { "\($0)" } ?? "missing"), not a number", fields, written)
                }
                (state.fps, state.classifications, state.dropped) = (number(.fps), number(.classifications), number(.dropped))
                (state.cpuCores, state.cpuBudget) = (number(.cpuCores), number(.cpuBudget))
                (state.temperatureC, state.powerW, state.thermal) = (number(.temperatureC), number(.powerWEstimate), record[.thermal] as? String)
                if let buckets = record[.latencyBucketsMs] as? [String: Any] {
                    state.latencyBuckets = buckets.compactMapValues { ($0 as? NSNumber)?.doubleValue }
                    state.latencySumMs = number(.latencySumMs)
                }
                state.heartbeatAt = written.timeIntervalSince1970
            default:
                return nil
            }
        }
        cameras[camera] = state
        return nil
    }

    private mutating func skip(_ problem: String, _ fields: [String: String], _ written: Date) -> String {
        malformed += 1
        return "skipping a malformed \(fields[EventSchema.journalName(.event)] ?? "camera") entry (written \(ISO8601DateFormatter().string(from: written))): \(problem)"
    }
}

/// The Prometheus text exposition format (version 0.0.4) of a MetricsState, for node_exporter's
/// textfile collector: one `# HELP` and `# TYPE` per metric family, label values escaped.
public enum PrometheusText {
    public static func render(_ state: MetricsState) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: [(String, String)], value: Double)]) {
            guard !samples.isEmpty else { return }
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples {
                let labels = sample.labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",")
                out += "\(name)\(labels.isEmpty ? "" : "{\(labels)}") \(number(sample.value))\n"
            }
        }
        let cameras = state.cameras.keys.sorted()
        func perCamera(_ value: (MetricsState.Camera) -> Double?) -> [(labels: [(String, String)], value: Double)] {
            cameras.compactMap { name in value(state.cameras[name]!).map { ([("camera", name)], $0) } }
        }
        family("lookout_classifications_total", "counter", "Classifications since lookoutd started.", perCamera { $0.classifications })
        family("lookout_dropped_frames_total", "counter", "Frames replaced before they were looked at, or that did not decode, since lookoutd started.", perCamera { $0.dropped })
        family("lookout_events_total", "counter", "Recognition events by label and kind, as counted from the journal.", cameras.flatMap { name in
            state.cameras[name]!.events.keys.sorted().flatMap { label in
                state.cameras[name]!.events[label]!.keys.sorted().map { kind in
                    ([("camera", name), ("label", label), ("event", kind)], state.cameras[name]!.events[label]![kind]!)
                }
            }
        })
        let histograms = cameras.compactMap { name -> (String, MetricsState.Camera)? in
            state.cameras[name]!.latencyBuckets?["+Inf"] == nil ? nil : (name, state.cameras[name]!)
        }
        if !histograms.isEmpty {
            let metric = "lookout_latency_seconds"
            out += "# HELP \(metric) Capture to classification done, since lookoutd started.\n# TYPE \(metric) histogram\n"
            for (name, camera) in histograms {
                let buckets = camera.latencyBuckets!
                let bounds = buckets.compactMap { key, count in Double(key).map { (ms: $0, count: count) } }.sorted { $0.ms < $1.ms }
                for bound in bounds {
                    out += "\(metric)_bucket{camera=\"\(escape(name))\",le=\"\(number(bound.ms / 1000))\"} \(number(bound.count))\n"
                }
                out += "\(metric)_bucket{camera=\"\(escape(name))\",le=\"+Inf\"} \(number(buckets["+Inf"]!))\n"
                out += "\(metric)_sum{camera=\"\(escape(name))\"} \(number((camera.latencySumMs ?? 0) / 1000))\n"
                out += "\(metric)_count{camera=\"\(escape(name))\"} \(number(buckets["+Inf"]!))\n"
            }
        }
        family("lookout_classifications_per_second", "gauge", "Classifications a second over the last heartbeat's window.", perCamera { $0.fps })
        family("lookout_cpu_cores", "gauge", "lookoutd's CPU use over the last heartbeat's window, in cores.", perCamera { $0.cpuCores })
        family("lookout_cpu_budget_cores", "gauge", "classify.cpu_budget: the CPU use lookoutd keeps under, in cores.", perCamera { $0.cpuBudget })
        family("lookout_temperature_celsius", "gauge", "The board's hottest thermal zone.", perCamera { $0.temperatureC })
        family("lookout_power_watts_estimate", "gauge", "An estimate of the board's draw from its profile (not a measurement).", perCamera { $0.powerW })
        family("lookout_thermal_state", "gauge", "1 for lookoutd's thermal backoff state (normal, slowed, paused).", cameras.flatMap { name in
            state.cameras[name]!.thermal.map { current in ["normal", "slowed", "paused"].map { ([("camera", name), ("state", $0)], $0 == current ? 1.0 : 0.0) } } ?? []
        })
        family("lookout_camera_streaming", "gauge", "1 while the camera streams, 0 while it is missing, busy or unplugged.", perCamera { $0.streaming.map { $0 ? 1 : 0 } })
        family("lookout_last_heartbeat_timestamp_seconds", "gauge", "When lookoutd's last heartbeat was written (Unix time).", perCamera { $0.heartbeatAt })
        family("lookout_malformed_entries_total", "counter", "lookoutd entries skipped as malformed.", [([], state.malformed)])
        return out
    }

    /// Label values: backslash, double quote and line feed escaped, as the format requires.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func number(_ value: Double) -> String {
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
