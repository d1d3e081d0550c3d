import Foundation
import LookoutEvents
import LookoutClassifier

/// The discovery configs published so far, kept in the state folder so that a head installed while
/// the bridge was stopped still has the old head's labels removed.
public struct DiscoveryState: Codable, Equatable {
    public struct Camera: Codable, Equatable {
        /// The head bundle lookoutd last named (nil: the model's own labels).
        public var head: String?
        /// Whether `labels` are the head's (all published at once) or those seen so far (published as they start).
        public var fromHead: Bool
        public var labels: [String]
    }

    public var cameras: [String: Camera] = [:]

    public init() {}
}

/// What the bridge publishes for each of lookoutd's entries (Logs/events.md):
/// - started: `<camera>/<label>` ON (retained), the event's JSON on `<camera>/events`, and the
///   inbox JPEG on `<camera>/snapshot` (retained) when the event names one;
/// - ended: `<camera>/<label>` OFF (retained) and the JSON on `<camera>/events`;
/// - heartbeat: its JSON on `<camera>/heartbeat` (retained), which the sensors read.
/// A camera seen for the first time gets its discovery configs; a heartbeat or event naming another
/// head replaces the label configs (the old head's labels removed); without a head, a label gets its
/// config the first time it starts. Entries that are not events are passed over; malformed ones are
/// skipped with a note.
public final class EventMessages {
    let topics: HomeAssistantTopics
    let snapshotMaxBytes: Int
    public private(set) var state: DiscoveryState

    public init(topics: HomeAssistantTopics, state: DiscoveryState, snapshotMaxBytes: Int) {
        (self.topics, self.state, self.snapshotMaxBytes) = (topics, state, snapshotMaxBytes)
    }

    /// Every config the state knows of: published again on each connection (a broker without
    /// persistence forgets retained messages when it restarts).
    public func allConfigs() -> [MQTTMessage] {
        state.cameras.keys.sorted().flatMap { camera in
            topics.cameraConfigs(camera: camera) + state.cameras[camera]!.labels.map { topics.labelConfig(camera: camera, label: $0) }
        }
    }

    /// The messages for one entry, in the order to publish them, and lines to log.
    public func messages(for fields: [String: String], written: Date) -> (messages: [MQTTMessage], notes: [String]) {
        guard let kind = fields[EventSchema.journalName(.event)] else { return ([], []) }
        var record = EventSchema.record(fromJournal: fields)
        let when = "written \(ISO8601DateFormatter().string(from: written))"
        if let problem = Self.problem(in: record, kind: kind) {
            return ([], ["skipping a malformed \(kind) entry (\(when)): \(problem)"])
        }
        let camera = record[.camera] as! String
        var notes: [String] = []
        var out = discovery(camera: camera, head: record[.head] as? String, notes: &notes)
        switch kind {
        case EventKind.started.rawValue, EventKind.ended.rawValue:
            let label = record[.label] as! String
            if !state.cameras[camera]!.fromHead, !state.cameras[camera]!.labels.contains(label) {
                state.cameras[camera]!.labels.append(label)
                out.append(topics.labelConfig(camera: camera, label: label))
            }
            out.append(MQTTMessage(topics.state(camera: camera, label: label), text: kind == EventKind.started.rawValue ? "ON" : "OFF", retain: true))
            out.append(MQTTMessage(topics.events(camera: camera), json: record, retain: false))
            if kind == EventKind.started.rawValue, let path = record[.snapshot] as? String {
                switch readSnapshot(path) {
                case .success(let jpeg): out.append(MQTTMessage(topics.snapshot(camera: camera), jpeg, retain: true))
                case .failure(let error): notes.append("snapshot \(path) not published: \(error.description)")
                }
            }
        case EventKind.heartbeat.rawValue:
            // Optional readings are null rather than absent, so the sensors' templates render "None" (unknown).
            for key in [EventKey.temperatureC, .powerWEstimate, .lastLabel, .head] where record[key] == nil { record[key] = NSNull() }
            out.append(MQTTMessage(topics.heartbeat(camera: camera), json: record, retain: true))
        default:
            notes.append("skipping an entry of unknown kind \(kind) (\(when))")
        }
        return (out, notes)
    }

    /// What is wrong with an event's fields, if anything: the fields the published messages rely on.
    static func problem(in record: [String: Any], kind: String) -> String? {
        guard let camera = record[.camera] as? String, !camera.isEmpty else { return "no camera" }
        switch kind {
        case EventKind.started.rawValue, EventKind.ended.rawValue:
            guard let label = record[.label] as? String, !label.isEmpty else { return "no label" }
        case EventKind.heartbeat.rawValue:
            for key in [EventKey.fps, .cpuCores, .cpuBudget] {
                guard let number = record[key] as? NSNumber, number.doubleValue.isFinite, number.doubleValue >= 0 else {
                    return "\(key.rawValue) is \(record[key].map { "\($0)" } ?? "missing"), not a number"
                }
            }
            if let budget = record[.cpuBudget] as? NSNumber, budget.doubleValue == 0 { return "cpu_budget is 0" }
        default:
            break
        }
        return nil
    }

    /// The camera's configs when it is new, and the label configs when its head changed.
    func discovery(camera: String, head: String?, notes: inout [String]) -> [MQTTMessage] {
        var out: [MQTTMessage] = []
        if state.cameras[camera] == nil {
            out += topics.cameraConfigs(camera: camera)
            state.cameras[camera] = .init(head: nil, fromHead: false, labels: [])
        } else if state.cameras[camera]!.head == head {
            return out
        }
        var labels: [String] = []
        var fromHead = false
        if let head {
            do {
                labels = try Head.manifest(of: URL(fileURLWithPath: head)).labels
                fromHead = true
            } catch {
                notes.append("head \(head): labels unknown, published as they are seen (\(error))")
            }
        }
        let old = state.cameras[camera]!.labels
        for label in old where !labels.contains(label) {
            out.append(MQTTMessage(topics.labelConfigTopic(camera: camera, label: label), [], retain: true))
        }
        for label in labels where !old.contains(label) { out.append(topics.labelConfig(camera: camera, label: label)) }
        state.cameras[camera] = .init(head: head, fromHead: fromHead, labels: labels)
        return out
    }

    /// The inbox JPEG, when it is one and not too large to publish.
    func readSnapshot(_ path: String) -> Result<[UInt8], CLIText> {
        guard let handle = FileHandle(forReadingAtPath: path) else { return .failure(CLIText("cannot open it")) }
        defer { try? handle.close() }
        let data = handle.readData(ofLength: snapshotMaxBytes + 1)
        if data.count > snapshotMaxBytes { return .failure(CLIText("larger than snapshot_max_bytes (\(snapshotMaxBytes))")) }
        guard data.starts(with: [0xFF, 0xD8, 0xFF]) else { return .failure(CLIText("not a JPEG")) }
        return .success([UInt8](data))
    }
}

/// A reason, as text, that a Result can carry.
public struct CLIText: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
