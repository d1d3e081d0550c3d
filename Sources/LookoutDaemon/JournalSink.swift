import Foundation
import Logging
import LookoutEvents
import LookoutJournal

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
        let priority = switch event { case .started: "5"; case .ended: "6"; case .heartbeat: "7" }
        var fields: [(name: String, value: String)] = [
            ("MESSAGE", event.sentence(camera: context.camera)), ("MESSAGE_ID", EventSchema.messageIDs[event.kind]!),
            ("PRIORITY", priority), ("SYSLOG_IDENTIFIER", "lookoutd"),
        ]
        for key in record.keys.sorted() {
            if let value = EventSchema.journalValue(record[key]!) { fields.append((EventSchema.journalName(key), value)) }
        }
        try health.send(fields, record: record)
    }
}

/// swift-log diagnostics to journald with syslog priorities; metadata become LOOKOUT_* fields,
/// and a `message_id` metadata value becomes the entry's MESSAGE_ID (camera and reload notes).
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    let health: JournalHealth

    public init(label: String, health: JournalHealth) { (self.label, self.health) = (label, health) }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    public func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let message = event.message.description
        var fields: [(name: String, value: String)] = [
            ("MESSAGE", message), ("PRIORITY", "\(Self.priority(event.level))"), ("SYSLOG_IDENTIFIER", "lookoutd"),
            ("CODE_FILE", event.file), ("CODE_LINE", "\(event.line)"), ("CODE_FUNC", event.function),
        ]
        var record: [String: Any] = ["level": event.level.rawValue, "message": message]
        for (key, value) in all.sorted(by: { $0.key < $1.key }) {
            if key == "message_id" {
                fields.append(("MESSAGE_ID", value.description))
            } else {
                fields.append((EventSchema.journalName(key), value.description))
                record[key] = value.description
            }
        }
        try? health.send(fields, record: record)
    }
}
