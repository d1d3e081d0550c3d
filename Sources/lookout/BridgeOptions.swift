import ArgumentParser
import Foundation
import LookoutBridges
import LookoutJournal

/// Which journal a bridge reads (mqtt, metrics, web).
struct JournalOptions: ParsableArguments {
    @Option(help: "Read the journal files in this folder instead of the local journal.")
    var directory: String?

    /// The entries lookoutd wrote, as `trust` tells them.
    func entries(trust: TrustedWriter) throws -> LookoutdEntries { try LookoutdEntries(directory: directory, trust: trust) }

    /// Where a bridge's one-line notes go: stderr (so the unit's journal), behind `lookout NAME:`.
    static func notes(name: String) -> (String) -> Void {
        { line in FileHandle.standardError.write(Data("lookout \(name): \(line)\n".utf8)) }
    }
}

/// What the bridges that resume from a cursor (mqtt, metrics) share: where they keep their state and which journal they read.
struct BridgeOptions: ParsableArguments {
    @Option(help: "State folder for the journal cursor (default: $STATE_DIRECTORY, as systemd's StateDirectory= sets it).")
    var state: String?

    @OptionGroup var journal: JournalOptions

    /// The entries lookoutd wrote (as `trust` tells them), the state folder, SIGTERM/SIGINT, and
    /// notes on stderr behind `lookout NAME:`.
    func context(name: String, trust: TrustedWriter) throws -> BridgeContext {
        guard let path = state ?? ProcessInfo.processInfo.environment["STATE_DIRECTORY"]?.split(separator: ":").first.map(String.init) else {
            throw CLIError("no state folder: pass --state or run under systemd with StateDirectory=")
        }
        return BridgeContext(entries: try journal.entries(trust: trust), folder: try StateFolder(path), stop: StopRequest(),
                             log: JournalOptions.notes(name: name))
    }
}
