import ArgumentParser
import Foundation
import LookoutBridges
import LookoutJournal

struct Web: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the live view: lookoutd's latest frame, its labels, recent events and heartbeat charts.",
        discussion: """
            A read-only page (GET only) on 127.0.0.1:8089 by default: the latest classified frame with its labels \
            (lookoutd writes it into its runtime folder, /run/lookout, only while a page is open: this command \
            touches the watch marker there), the labels active now, recent events arriving live as server-sent \
            events from the journal (only entries lookoutd wrote, judged as `lookout tail` judges them), charts \
            of classifications a second, CPU against the budget and temperature from the heartbeats, and the \
            head in use with its report.html. No token is needed on a loopback address; any other address needs \
            one, from a credentials file (LoadCredential=), never the command line. Settings: /etc/lookout/web.yaml. \
            Runs as lookout-web.service.
            """)

    static let installedConfig = "/etc/lookout/web.yaml"

    @Option(help: "Settings file (YAML; Config/web.yaml documents the keys).")
    var config = Web.installedConfig

    @OptionGroup var journal: JournalOptions

    func run() throws {
        do {
            // No /etc/lookout/web.yaml (a run from a build, not the package): the defaults. A file named with --config must exist.
            let file = FileManager.default.fileExists(atPath: config) || config != Self.installedConfig ? config : nil
            let settings = try WebSettings.load(file: file)
            let token = try settings.accessToken()
            let entries = try journal.entries(trust: TrustedWriter.standard(foreground: settings.journalExe))
            try WebBridge(settings: settings, token: token, entries: entries, stop: StopRequest(), log: JournalOptions.notes(name: "web")).run()
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("\(error)")
        }
    }
}
