import ArgumentParser
import Foundation
import LookoutBridges
import LookoutJournal

struct Metrics: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write lookoutd's metrics in Prometheus' text format, for node_exporter's textfile collector.",
        discussion: """
            Counts lookoutd's journal entries (only those lookoutd wrote, judged as `lookout tail` judges them): \
            classifications, dropped frames, events by label, a latency histogram, CPU use against the budget, \
            temperature, estimated power, thermal and camera state. The file is replaced atomically after each \
            batch of entries; the counts and the journal cursor are kept in the state folder, so a restart carries \
            on where it stopped. Runs as lookout-metrics.service.
            """)

    @Option(help: "The .prom file to write (node_exporter's --collector.textfile.directory).")
    var output = "/var/lib/prometheus/node-exporter/lookout.prom"

    @OptionGroup var bridge: BridgeOptions

    @Option(help: "Also count entries from a lookoutd run in the foreground from this binary (as `lookout tail --exe`).")
    var exe: [String] = []

    @Flag(help: "Count what the journal holds now, write the file and exit.")
    var once = false

    func run() throws {
        do {
            let trust = TrustedWriter.standard(foreground: exe)
            let exporter = MetricsExporter(context: try bridge.context(name: "metrics", trust: trust), output: URL(fileURLWithPath: output))
            try exporter.run(follow: !once)
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("\(error)")
        }
    }
}
