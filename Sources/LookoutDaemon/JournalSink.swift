import Foundation
import LookoutEvents
import LookoutJournal
import LookoutLog

/// Counts what journald refused and says once when it stops and starts taking entries again, for
/// both the event sink and the log handler: nothing is dropped silently.
public final class JournalHealth: @unchecked Sendable {
    private let lock = NSLock()
    private var failing = false
    private var failures: UInt64 = 0
    private let fallback: JSONLinesSink

    /// Entries journald does not take go to `fallback` (stderr) as JSON lines.
    public init(fallback: JSONLinesSink = JSONLinesSink(handle: .standardError)) { self.fallback = fallback }

    public var failureCount: UInt64 { lock.withLock { failures } }

    /// Sends `fields`; on failure writes `record` to the fallback. The first failure after a
    /// success, and the first success after failures, add a note line to the fallback.
    func send(_ fields: [(name: String, value: String)], record: @autoclosure () -> [String: Any]) throws {
        do {
            try Journal.send(fields)
            let recovered = lock.withLock { () -> UInt64? in
                defer { failing = false }
                return failing ? failures : nil
            }
            if let recovered {
                try? fallback.write(["level": "notice", "message": "journal reachable again; \(recovered) entries so far went to stderr"])
            }
        } catch {
            let first = lock.withLock { () -> Bool in
                failures += 1
                defer { failing = true }
                return !failing
            }
            if first {
                try? fallback.write(["level": "warning", "message": "\(error); events and logs go to stderr as JSON lines until it is back"])
            }
            try fallback.write(record())
        }
    }
}

/// Events to journald: a readable MESSAGE, a MESSAGE_ID per event type (Logs/lookout.catalog),
/// PRIORITY, SYSLOG_IDENTIFIER=lookoutd and the event's fields as LOOKOUT_* (Logs/events.md).
public struct JournalSink: EventSink {
    let health: JournalHealth

    public init(health: JournalHealth) { self.health = health }

    public func emit(_ event: DaemonEvent, context: EventContext) throws {
        let record = event.record(context)
        // A heartbeat that says the camera stalled is a warning; the others are debug.
        let priority = switch event {
        case .started: "5"
        case .ended: "6"
        case .heartbeat(_, _, _, _, _, _, _, _, _, _, _, _, _, let stalled, _, _): stalled ? "4" : "7"
        }
        var fields: [(name: String, value: String)] = [
            ("MESSAGE", event.sentence(camera: context.camera)), ("MESSAGE_ID", EventSchema.messageIDs[event.kind.rawValue]!),
            ("PRIORITY", priority), ("SYSLOG_IDENTIFIER", "lookoutd"),
        ]
        for key in record.keys.sorted() {
            if let value = EventSchema.journalValue(record[key]!) { fields.append((EventSchema.journalName(key), value)) }
        }
        try health.send(fields, record: record)
    }
}

/// Diagnostics to journald with syslog priorities; metadata become LOOKOUT_* fields, and a
/// `message_id` metadata value becomes the entry's MESSAGE_ID (camera and reload notes).
public struct JournalLogHandler: LogHandler {
    let health: JournalHealth

    public init(health: JournalHealth) { self.health = health }

    public func log(_ entry: LogEntry) {
        var fields: [(name: String, value: String)] = [
            ("MESSAGE", entry.message), ("PRIORITY", "\(entry.level.syslogPriority)"), ("SYSLOG_IDENTIFIER", "lookoutd"),
            ("CODE_FILE", entry.file), ("CODE_LINE", "\(entry.line)"), ("CODE_FUNC", entry.function),
        ]
        var record: [String: Any] = ["level": entry.level.rawValue, "message": entry.message]
        for (key, value) in entry.metadata.sorted(by: { $0.key < $1.key }) {
            if key == "message_id" {
                fields.append(("MESSAGE_ID", value))
            } else {
                fields.append((EventSchema.journalName(key), value))
                record[key] = value
            }
        }
        try? health.send(fields, record: record)
    }
}
