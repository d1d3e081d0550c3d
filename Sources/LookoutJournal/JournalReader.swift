import CSystemd
import Foundation

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

    /// Waits up to `seconds` for the journal to change (new entries, rotated files).
    public func wait(seconds: Double) throws {
        let result = sd_journal_wait(journal, UInt64(seconds * 1e6))
        if result < 0 { throw JournalError("cannot wait for new entries", result) }
    }
}
