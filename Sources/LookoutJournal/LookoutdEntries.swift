import Foundation

/// One of lookoutd's entries as a bridge sees it: its fields, when it was written, and its cursor.
public struct JournalEntry {
    public let fields: [String: String]
    public let time: Date
    public let cursor: String
}

/// lookoutd's entries in journal order, resumable: a bridge reads them, hands each on, and only once
/// the far end has taken it keeps the entry's cursor; after a restart `resume(after:)` carries on just
/// after that entry. Entries other programs wrote under lookoutd's name are passed over (counted in
/// `untrusted`): `TrustedWriter` judges them, as `lookout tail` does.
public final class LookoutdEntries {
    let reader: JournalReader
    let trust: TrustedWriter
    public private(set) var untrusted = 0

    public init(directory: String?, trust: TrustedWriter) throws {
        reader = try JournalReader(directory: directory)
        try reader.match("SYSLOG_IDENTIFIER", "lookoutd")
        self.trust = trust
    }

    /// Positions the reader after the saved cursor (or at the start when there is none). Returns a
    /// line to log when entries were lost under it (journal rotated or vacuumed).
    public func resume(after saved: String?) throws -> String? {
        guard let saved, !saved.isEmpty else {
            try reader.seek(since: nil)
            return nil
        }
        switch try reader.seek(after: saved) {
        case .found:
            return nil
        case .lost(let entries, let since):
            let count = entries.map { "up to \($0) journal entries" } ?? "an unknown number of entries"
            let when = since.map { " written after \(ISO8601DateFormatter().string(from: $0))" } ?? ""
            return "journal: the entry under the saved cursor is gone (journal rotated or vacuumed); "
                + "resuming at the oldest entry left; \(count)\(when) were lost"
        }
    }

    /// Positions the reader at the first entry written at or after `date` (nil: the oldest), for a
    /// bridge that shows recent entries rather than resuming.
    public func seek(since date: Date?) throws { try reader.seek(since: date) }

    /// The next of lookoutd's entries, or nil when there is none yet.
    public func next() throws -> JournalEntry? {
        while let (fields, time) = try reader.next() {
            guard trust.admits(fields) else {
                untrusted += 1
                continue
            }
            return JournalEntry(fields: fields, time: time, cursor: try reader.cursor())
        }
        return nil
    }

    public func wait(seconds: Double) throws { try reader.wait(seconds: seconds) }
}
