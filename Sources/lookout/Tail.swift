import ArgumentParser
import Foundation
import LookoutEvents
import LookoutJournal

struct Tail: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show lookoutd's recognition events from the journal.",
        discussion: """
            Reads the journal through the sd-journal API: the local journal, or the journal files in --directory \
            (a copy from another board, or a fleet's journals collected by systemd-journal-remote; each line then names \
            the board's hostname). One readable line per event, or with --json the same JSON objects \
            lookoutd's stdout sink writes (fields that are null are left out). Needs read access to the journal \
            (root, or the systemd-journal or adm group).

            Only entries lookoutd itself wrote are shown, judged on the fields journald sets and no client can \
            forge: from the unit lookoutd.service or lookoutd@NAME.service (_SYSTEMD_UNIT), as the lookout user \
            or root (_UID), by the lookoutd installed beside this program or /usr/bin/lookoutd (_EXE). Entries \
            that merely say SYSLOG_IDENTIFIER=lookoutd (logger, systemd-cat) are left out. For a lookoutd run in \
            the foreground, name its binary with --exe: its entries count from any unit, as root, lookout or you. \
            Control characters in the text output are shown escaped (\\x1b, \\n).
            """)

    @Flag(name: .shortAndLong, help: "Keep waiting for new events.")
    var follow = false

    @Flag(help: "One JSON object per event.")
    var json = false

    @Flag(help: "Include heartbeat events.")
    var heartbeats = false

    @Option(help: "Only this label.")
    var label: String?

    @Option(help: "Only this camera (its device path, or the name after /dev/).")
    var camera: String?

    @Option(help: "Only started events at or above this confidence (ended and heartbeat events are kept).")
    var minConfidence: Double?

    @Option(help: "Start at this time: ISO 8601 (2026-11-25T07:00:00Z), a date (2026-11-25), or an age (30s, 10m, 2h, 1d).")
    var since: String?

    @Option(help: "Read the journal files in this folder instead of the local journal.")
    var directory: String?

    @Option(help: ArgumentHelp("Also show entries from this lookoutd binary run in the foreground (outside its unit).",
                               valueName: "path"))
    var exe: [String] = []

    func validate() throws {
        for path in exe where !FileManager.default.isExecutableFile(atPath: path) {
            throw ValidationError("--exe \(printable(path)): not an executable file")
        }
        if let since, Self.parseTime(since) == nil {
            throw ValidationError("--since \(since): not a time (use 2026-11-25T07:00:00Z, 2026-11-25, or an age such as 10m)")
        }
    }

    /// An ISO 8601 time, a date (midnight, local time), or an age before now.
    static func parseTime(_ text: String, now: Date = Date()) -> Date? {
        if let unit = text.last, let amount = Double(text.dropLast()), amount >= 0,
           let seconds = ["s": 1.0, "m": 60, "h": 3600, "d": 86400][String(unit)] {
            return now.addingTimeInterval(-amount * seconds)
        }
        if let date = ISO8601DateFormatter().date(from: text) { return date }
        let day = DateFormatter()
        day.dateFormat = "yyyy-MM-dd"
        return day.date(from: text)
    }

    func run() throws {
        let trusted = TrustedWriter.standard(foreground: exe)
        let reader = try JournalReader(directory: directory)
        try reader.match("SYSLOG_IDENTIFIER", "lookoutd")
        for kind in [EventKind.started, .ended] + (heartbeats ? [.heartbeat] : []) {
            try reader.match(EventSchema.journalName(.event), kind.rawValue)
        }
        if let label { try reader.match(EventSchema.journalName(.label), label) }
        try reader.seek(since: since.flatMap { Self.parseTime($0) })
        let colour = !json && isatty(STDOUT_FILENO) == 1
        let time = DateFormatter()
        time.dateFormat = "yyyy-MM-dd HH:mm:ss"
        while true {
            guard let (fields, date) = try reader.next() else {
                guard follow else { return }
                try reader.wait(seconds: 1)
                continue
            }
            guard trusted.admits(fields) else { continue }
            let record = EventSchema.record(fromJournal: fields)
            guard keep(record) else { continue }
            if json {
                let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            } else {
                // Another machine's journal (a fleet's, collected by systemd-journal-remote): say whose.
                let host = directory == nil ? "" : "\(printable(fields["_HOSTNAME"] ?? "?"))  "
                let line = "\(time.string(from: date))  \(host)\(printable(fields["MESSAGE"] ?? ""))"
                print(colour ? Self.paint(line, event: (record[.event] as? String).flatMap(EventKind.init)) : line)
            }
            fflush(stdout)
        }
    }

    func keep(_ record: [String: Any]) -> Bool {
        if let camera, let recorded = record[.camera] as? String,
           recorded != camera, (recorded as NSString).lastPathComponent != camera { return false }
        if let minConfidence, record[.event] as? String == EventKind.started.rawValue,
           ((record[.confidence] as? NSNumber)?.doubleValue ?? 0) < minConfidence { return false }
        return true
    }

    /// Started in bold green, ended in plain, heartbeats dimmed.
    static func paint(_ line: String, event: EventKind?) -> String {
        switch event {
        case .started: "\u{1B}[1;32m\(line)\u{1B}[0m"
        case .heartbeat: "\u{1B}[2m\(line)\u{1B}[0m"
        case .ended, nil: line
        }
    }
}
