import Foundation

/// Which journal entries are lookoutd's. Anything on the machine can log `SYSLOG_IDENTIFIER=lookoutd`
/// and `LOOKOUT_*` fields, so an entry counts only when the fields journald itself adds (and a client
/// cannot forge) say so: `_UID` is the account lookoutd runs as and, unless `units` is empty,
/// `_SYSTEMD_UNIT` is one of its units (`lookoutd@.service` stands for every instance).
public struct JournalTrust: Sendable, Equatable {
    public var uid: uid_t
    public var units: [String]

    public static let defaultUnits = ["lookoutd.service", "lookoutd@.service"]

    public init(uid: uid_t, units: [String] = defaultUnits) { (self.uid, self.units) = (uid, units) }

    /// The account's uid, by name (`lookout`, as systemd/lookout.sysusers creates it).
    public init(user: String, units: [String] = defaultUnits) throws {
        guard let entry = getpwnam(user) else { throw JournalError("no user \(user) to trust lookoutd's entries from", -ENOENT) }
        self.init(uid: entry.pointee.pw_uid, units: units)
    }

    public func admits(_ fields: [String: String]) -> Bool {
        guard fields["SYSLOG_IDENTIFIER"] == "lookoutd", fields["_UID"] == "\(uid)" else { return false }
        if units.isEmpty { return true }
        guard let unit = fields["_SYSTEMD_UNIT"] else { return false }
        return units.contains { pattern in
            if pattern.hasSuffix("@.service") {
                return unit.hasPrefix(pattern.dropLast(".service".count)) && unit.hasSuffix(".service")
            }
            return unit == pattern
        }
    }
}

/// One of lookoutd's entries as a bridge sees it: its fields, when it was written, and its cursor.
public struct JournalEntry {
    public let fields: [String: String]
    public let time: Date
    public let cursor: String
}

/// lookoutd's entries in journal order, resumable: a bridge reads them, hands each on, and only once
/// the far end has taken it keeps the entry's cursor; after a restart `resume(after:)` carries on just
/// after that entry. Entries other programs wrote under lookoutd's name are passed over (counted in
/// `untrusted`).
public final class LookoutdEntries {
    let reader: JournalReader
    let trust: JournalTrust
    public private(set) var untrusted = 0

    public init(directory: String?, trust: JournalTrust) throws {
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
