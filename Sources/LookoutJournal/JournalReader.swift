import CSystemd
import Foundation

/// Where `seek(after:)` left the reader.
public enum CursorSeek: Equatable {
    /// Just after the cursor's entry.
    case found
    /// The cursor's entry is gone; the reader stands before the oldest entry left. `entries`: how many
    /// journal entries (any program's) went with it, when the sequence numbers tell.
    case lost(entries: UInt64?, since: Date?)
}

/// Reads journal entries through the sd-journal API: the local journal (system and user files,
/// local machine only), or the files of one folder (a copy from another board, a test's journal).
public final class JournalReader {
    private var journal: OpaquePointer?

    public init(directory: String? = nil) throws {
        let result: Int32
        if let directory {
            result = sd_journal_open_directory(&journal, directory, 0)
        } else {
            result = sd_journal_open(&journal, Int32(SD_JOURNAL_LOCAL_ONLY))
        }
        if result < 0 { throw JournalError("cannot open \(directory ?? "the local journal")", result) }
    }

    deinit { sd_journal_close(journal) }

    /// Keeps entries with `FIELD=value`. Matches on different fields must all hold; matches on
    /// the same field are alternatives (sd_journal_add_match's rules).
    public func match(_ field: String, _ value: String) throws {
        let text = "\(field)=\(value)"
        let result = text.withCString { sd_journal_add_match(journal, $0, 0) }
        if result < 0 { throw JournalError("bad match \(text)", result) }
    }

    /// Starts at the first entry at or after `date`, or at the very start.
    public func seek(since date: Date?) throws {
        let result = date.map { sd_journal_seek_realtime_usec(journal, UInt64(max(0, $0.timeIntervalSince1970) * 1e6)) }
            ?? sd_journal_seek_head(journal)
        if result < 0 { throw JournalError("cannot seek", result) }
    }

    /// The next entry's fields and its realtime timestamp, or nil at the end for now.
    public func next() throws -> (fields: [String: String], time: Date)? {
        let step = sd_journal_next(journal)
        if step < 0 { throw JournalError("cannot read the next entry", step) }
        if step == 0 { return nil }
        var fields: [String: String] = [:]
        var data: UnsafeRawPointer?
        var length = 0
        sd_journal_restart_data(journal)
        while sd_journal_enumerate_data(journal, &data, &length) > 0, let data {
            let field = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
            if let equals = field.firstIndex(of: "=") {
                fields[String(field[..<equals])] = String(field[field.index(after: equals)...])
            }
        }
        var usec: UInt64 = 0
        sd_journal_get_realtime_usec(journal, &usec)
        return (fields, Date(timeIntervalSince1970: Double(usec) / 1e6))
    }

    /// Where the reader stands: the cursor of the entry `next()` returned last.
    public func cursor() throws -> String {
        var text: UnsafeMutablePointer<CChar>?
        let result = sd_journal_get_cursor(journal, &text)
        guard result >= 0, let text else { throw JournalError("cannot get the cursor", result) }
        defer { free(text) }
        return String(cString: text)
    }

    /// Positions the reader just after the entry `cursor` names. When that entry is gone (the journal
    /// was rotated or vacuumed under it), the reader stands before the oldest entry left instead,
    /// and the result says so.
    public func seek(after cursor: String) throws -> CursorSeek {
        let result = cursor.withCString { sd_journal_seek_cursor(journal, $0) }
        if result < 0 { throw JournalError("cannot seek to the cursor", result) }
        let step = sd_journal_next(journal)
        if step < 0 { throw JournalError("cannot read at the cursor", step) }
        if step > 0, cursor.withCString({ sd_journal_test_cursor(journal, $0) }) > 0 { return .found }
        // Not there: the entry was vacuumed (or the cursor belongs to another journal). The first entry
        // left comes next; how many went missing follows from the sequence numbers (when the journal
        // kept its sequence, which rotation does and a new machine does not).
        try seek(since: nil)
        guard try next() != nil else { return .lost(entries: nil, since: Self.time(ofCursor: cursor)) }
        let oldest = try self.cursor()
        try seek(since: nil)
        var lost: UInt64?
        if Self.field("s", ofCursor: cursor) == Self.field("s", ofCursor: oldest),
           let was = Self.field("i", ofCursor: cursor).flatMap({ UInt64($0, radix: 16) }),
           let now = Self.field("i", ofCursor: oldest).flatMap({ UInt64($0, radix: 16) }), now > was {
            lost = now - was - 1
        }
        return .lost(entries: lost, since: Self.time(ofCursor: cursor))
    }

    /// One field of a cursor (`s`: the sequence's id, `i`: sequence number, `t`: realtime in µs, hex).
    static func field(_ name: String, ofCursor cursor: String) -> String? {
        cursor.split(separator: ";").first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }

    static func time(ofCursor cursor: String) -> Date? {
        field("t", ofCursor: cursor).flatMap { UInt64($0, radix: 16) }.map { Date(timeIntervalSince1970: Double($0) / 1e6) }
    }

    /// Waits up to `seconds` for the journal to change (new entries, rotated files).
    public func wait(seconds: Double) throws {
        let result = sd_journal_wait(journal, UInt64(seconds * 1e6))
        if result < 0 { throw JournalError("cannot wait for new entries", result) }
    }
}
