import ArgumentParser
import Foundation
import LookoutBridges
import LookoutJournal

struct Metrics: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write lookoutd's metrics in Prometheus' text format, for node_exporter's textfile collector.",
        discussion: """
            Counts lookoutd's journal entries (only those journald attributes to lookoutd's account and units): \
            classifications, dropped frames, events by label, a latency histogram, CPU use against the budget, \
            temperature, estimated power, thermal and camera state. The file is replaced atomically after each \
            batch of entries; the counts and the journal cursor are kept in the state folder, so a restart carries \
            on where it stopped. Runs as lookout-metrics.service.
            """)

    @Option(help: "The .prom file to write (node_exporter's --collector.textfile.directory).")
    var output = "/var/lib/prometheus/node-exporter/lookout.prom"

    @OptionGroup var bridge: BridgeOptions

    @Option(help: "The account lookoutd runs as (its entries' _UID).")
    var user = "lookout"

    @Option(parsing: .upToNextOption, help: "lookoutd's units (_SYSTEMD_UNIT); none: any or none.")
    var units: [String] = JournalTrust.defaultUnits

    @Flag(help: "Count what the journal holds now, write the file and exit.")
    var once = false

    func run() throws {
        do {
            let trust = try JournalTrust(user: user, units: units.filter { !$0.isEmpty })
            let exporter = MetricsExporter(context: try bridge.context(name: "metrics", trust: trust), output: URL(fileURLWithPath: output))
            try exporter.run(follow: !once)
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("\(error)")
        }
    }
}
