import ArgumentParser
import Foundation
import LookoutEngine

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure inference latency: warm-up, then median, p10 and p90 over --runs.",
        discussion: """
            Each run converts a fixed input image to the model's tensor and runs the model, as `classify` \
            does after decoding. invoke_median_ms is XNNPACK's own share (the runtime invoke alone), so \
            the engine's overhead above XNNPACK is median_ms / invoke_median_ms. Percentiles are nearest-rank.
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Timed runs.")
    var runs: Int = 100

    @Option(help: "Untimed runs first (weights packing, caches, thread pool start-up).")
    var warmup: Int = 10

    @Flag(help: "Print one JSON object.")
    var json = false

    struct Report: Encodable {
        let model: String, threads: Int, runs: Int
        let median_ms: Double, p10_ms: Double, p90_ms: Double
        let invoke_median_ms: Double, per_second: Double
    }

    func validate() throws {
        guard runs >= 1, warmup >= 0 else { throw ValidationError("--runs must be at least 1 and --warmup not negative") }
    }

    func run() throws {
        let (url, engine) = try modelOptions.load()
        // A deterministic, non-constant image, so no kernel sees a degenerate input.
        let pixels = (0..<engine.input.pixelCount).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) }
        for _ in 0..<warmup { _ = try engine.scores(for: pixels) }
        var totals: [UInt64] = [], invokes: [UInt64] = []
        for _ in 0..<runs {
            let start = now()
            _ = try engine.scores(for: pixels)
            totals.append(now() - start)
            invokes.append(engine.lastInvokeNanoseconds)
        }
        totals.sort()
        invokes.sort()
        func rank(_ sorted: [UInt64], _ p: Double) -> Double {
            milliseconds(sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))])
        }
        let report = Report(model: url.lastPathComponent, threads: engine.threads, runs: runs,
                            median_ms: rank(totals, 0.5), p10_ms: rank(totals, 0.1), p90_ms: rank(totals, 0.9),
                            invoke_median_ms: rank(invokes, 0.5), per_second: 1000 / rank(totals, 0.5))
        if json { try printJSON(report); return }
        print("""
            \(report.model), \(report.threads) thread\(report.threads == 1 ? "" : "s"), \(runs) runs
              median \(String(format: "%.3f", report.median_ms)) ms (p10 \(String(format: "%.3f", report.p10_ms)), \
            p90 \(String(format: "%.3f", report.p90_ms))), \(String(format: "%.1f", report.per_second)) inferences/s
              XNNPACK invoke median \(String(format: "%.3f", report.invoke_median_ms)) ms
            """)
    }
}
