import Foundation
import LookoutEvents
import LookoutJournal

/// What the live page shows from the journal: the latest events and heartbeats (a bounded ring,
/// numbered so a page's event stream resumes where it left off), the labels active now, and the
/// head lookoutd last named. Fed by one thread that follows lookoutd's entries (judged by
/// TrustedWriter, checked as the MQTT bridge checks them); pages wait on it for what is new.
public final class RecentEvents: @unchecked Sendable {
    public struct Item {
        public let id: Int
        public let kind: String
        /// The event as lookoutd's JSON sinks write it (JSON-escaped: control characters included).
        public let json: String

        /// How a page receives it, in the snapshot and on the event stream.
        public var wire: String { "{\"id\":\(id),\"kind\":\"\(kind)\",\"event\":\(json)}" }
    }

    let capacity: Int
    private let condition = NSCondition()
    private var items: [Item] = []
    private var nextID = 1
    private var active: [String: Set<String>] = [:]
    private var head: String?

    public init(capacity: Int) { self.capacity = capacity }

    /// Takes one of lookoutd's entries; returns a line to log when it is malformed (and skipped).
    public func take(_ fields: [String: String], written: Date) -> String? {
        guard let kind = fields[EventSchema.journalName(.event)] else { return nil }
        var record = EventSchema.record(fromJournal: fields)
        if let problem = EventMessages.problem(in: record, kind: kind) {
            return "skipping a malformed \(kind) entry (written \(ISO8601DateFormatter().string(from: written))): \(problem)"
        }
        guard EventKind(rawValue: kind) != nil else { return nil }
        record["written"] = written.timeIntervalSince1970
        guard let data = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]) else { return "skipping a \(kind) entry that is not JSON" }
        let camera = record[.camera] as! String
        condition.withLock {
            if let label = record[.label] as? String {
                if kind == EventKind.started.rawValue { active[camera, default: []].insert(label) } else { active[camera]?.remove(label) }
            }
            if kind == EventKind.heartbeat.rawValue || record[.head] != nil { head = record[.head] as? String }
            items.append(Item(id: nextID, kind: kind, json: String(decoding: data, as: UTF8.self)))
            nextID += 1
            if items.count > capacity { items.removeFirst(items.count - capacity) }
            condition.broadcast()
        }
        return nil
    }

    /// The head bundle lookoutd named last (nil: the model's own labels, or none seen yet).
    public var currentHead: String? { condition.withLock { head } }

    /// The page's starting point, as JSON: the items held, the labels active by camera, the head, the last id.
    public func snapshot() -> String {
        condition.withLock {
            let rest = (try? JSONSerialization.data(withJSONObject: ["active": active.mapValues { $0.sorted() }, "head": head as Any? ?? NSNull(),
                                                                     "last_id": nextID - 1], options: [.sortedKeys])) ?? Data("{}".utf8)
            let items = items.map(\.wire).joined(separator: ",")
            return "{\"items\":[\(items)]," + String(decoding: rest.dropFirst(), as: UTF8.self)
        }
    }

    /// Items after `id`, waiting up to `seconds` for one to come; the oldest held when `id` is older.
    public func items(after id: Int, waiting seconds: Double) -> [Item] {
        condition.withLock {
            // An id from before a restart of this server counts from the start.
            let id = id > nextID - 1 ? 0 : id
            let deadline = Date().addingTimeInterval(seconds)
            while nextID - 1 <= id, condition.wait(until: deadline) {}
            return items.filter { $0.id > id }
        }
    }

    /// Follows lookoutd's entries from `since` until `stopped()`.
    public func follow(_ entries: LookoutdEntries, since: Date?, stopped: () -> Bool, log: (String) -> Void) throws {
        try entries.seek(since: since)
        while !stopped() {
            guard let entry = try entries.next() else {
                try entries.wait(seconds: 0.5)
                continue
            }
            if let note = take(entry.fields, written: entry.time) { log(note) }
        }
    }
}
