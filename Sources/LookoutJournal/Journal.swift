import CSystemd
import Foundation

/// A journald failure, naming the operation and the cause.
public struct JournalError: Error, CustomStringConvertible {
    public let description: String
    init(_ what: String, _ code: Int32) { description = "journal: \(what): \(String(cString: strerror(-code)))" }
}

/// Writes entries to journald: one `FIELD=value` iovec per field through sd_journal_sendv, since
/// the variadic sd_journal_send does not import into Swift. Field names must be upper-case
/// letters, digits and underscores; values may hold any bytes, newlines included.
public enum Journal {
    static let socketPath = "/run/systemd/journal/socket"

    /// Sends one entry; throws when journald does not take it (no journald, socket refused), so
    /// the caller can fall back instead of losing the entry.
    public static func send(_ fields: [(name: String, value: String)]) throws {
        guard !fields.isEmpty else { return }
        // sd_journal_sendv reports success when journald's socket does not exist at all (ENOENT
        // is "journal not available", dropped silently); look first so the caller can fall back.
        if access(socketPath, F_OK) != 0 { throw JournalError("cannot send entry (\(socketPath))", -errno) }
        // All fields in one buffer; each iovec points at its slice.
        var buffer: [UInt8] = []
        var ranges: [Range<Int>] = []
        for field in fields {
            let start = buffer.count
            buffer.append(contentsOf: "\(field.name)=\(field.value)".utf8)
            ranges.append(start..<buffer.count)
        }
        let result = buffer.withUnsafeMutableBytes { bytes in
            var vectors = ranges.map { iovec(iov_base: bytes.baseAddress! + $0.lowerBound, iov_len: $0.count) }
            return sd_journal_sendv(&vectors, Int32(vectors.count))
        }
        if result < 0 { throw JournalError("cannot send entry", result) }
    }
}
