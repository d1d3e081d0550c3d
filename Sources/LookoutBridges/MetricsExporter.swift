import Foundation
import LookoutJournal
import LookoutFiles

/// `lookout metrics`: lookoutd's journal entries counted into Prometheus metrics, written as a
/// `.prom` file for node_exporter's textfile collector (replaced atomically, so the collector never
/// reads half a file). The counts and the cursor of the last entry counted are saved together in the
/// state folder before the file is written: a restart neither loses nor double-counts an entry.
public final class MetricsExporter {
    let context: BridgeContext
    let output: URL
    static let stateFile = "metrics.json"

    public init(context: BridgeContext, output: URL) { (self.context, self.output) = (context, output) }

    /// Counts what the journal holds; with `follow`, goes on until SIGTERM/SIGINT.
    public func run(follow: Bool) throws {
        let (entries, folder, log) = (context.entries, context.folder, context.log)
        var state = folder.load(MetricsState.self, from: Self.stateFile) ?? MetricsState()
        if let lost = try entries.resume(after: state.cursor) { log(lost) }
        try write(state)
        while !context.stop.requested {
            var counted = 0
            while counted < 256, let entry = try entries.next() {
                if let note = state.count(entry.fields, written: entry.time) { log(note) }
                state.cursor = entry.cursor
                counted += 1
            }
            if counted > 0 {
                try folder.save(state, to: Self.stateFile)
                try write(state)
                continue
            }
            if !follow { return }
            try entries.wait(seconds: 1)
        }
    }

    func write(_ state: MetricsState) throws {
        try AtomicFile.write(Data(PrometheusText.render(state).utf8), to: output)
    }
}
