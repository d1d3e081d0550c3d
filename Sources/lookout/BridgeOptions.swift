import ArgumentParser
import Foundation
import LookoutBridges
import LookoutJournal

/// What the bridge commands (mqtt, metrics) share: where they keep their state and which journal they read.
struct BridgeOptions: ParsableArguments {
    @Option(help: "State folder for the journal cursor (default: $STATE_DIRECTORY, as systemd's StateDirectory= sets it).")
    var state: String?

    @Option(help: "Read the journal files in this folder instead of the local journal.")
    var directory: String?

    /// The entries lookoutd wrote (as `trust` tells them), the state folder, SIGTERM/SIGINT, and
    /// notes on stderr behind `lookout NAME:`.
    func context(name: String, trust: TrustedWriter) throws -> BridgeContext {
        guard let path = state ?? ProcessInfo.processInfo.environment["STATE_DIRECTORY"]?.split(separator: ":").first.map(String.init) else {
            throw CLIError("no state folder: pass --state or run under systemd with StateDirectory=")
        }
        return BridgeContext(entries: try LookoutdEntries(directory: directory, trust: trust), folder: try StateFolder(path),
                             stop: StopRequest()) { line in
            FileHandle.standardError.write(Data("lookout \(name): \(line)\n".utf8))
        }
    }
}
