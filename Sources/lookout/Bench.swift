import ArgumentParser
import Foundation
import LookoutCamera
import LookoutClassifier
import LookoutClock
import LookoutImaging

extension CameraFrame.Format: ExpressibleByArgument {}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure inference latency: warm-up, then median, p10 and p90 over --runs.",
        discussion: """
            Each run converts a fixed input image to the model's tensor and runs the model, as `classify` \
            does after decoding. invoke_median_ms is XNNPACK's own share (the runtime invoke alone), so \
            the engine's overhead above XNNPACK is median_ms / invoke_median_ms. Percentiles are nearest-rank.

            With --frame, runs alternate between that and lookoutd's camera path: a 640×480 frame in the \
            given format converted, cropped and resized in one pass, then the model; CPU time per run is \
            reported for both (frame_cpu_median_ms against cpu_median_ms), and for the conversion alone \
            (frame_convert_cpu_median_ms).
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Timed runs.")
    var runs: Int = 100

    @Option(help: "Untimed runs first (weights packing, caches, thread pool start-up).")
    var warmup: Int = 10

    @Option(help: "Also time the camera path from a 640×480 frame in this format (yuyv, nv12, rgb24).")
    var frame: CameraFrame.Format?

    @Flag(help: "Print one JSON object.")
    var json = false

    struct Report: Encodable {
        let model: String, threads: Int, runs: Int
        let median_ms: Double, p10_ms: Double, p90_ms: Double
        let invoke_median_ms: Double, per_second: Double
        let cpu_median_ms: Double
        let frame: String?, frame_median_ms: Double?, frame_cpu_median_ms: Double?
        /// CPU time of the frame's conversion alone (convert, crop, resize), inside the frame runs.
        let frame_convert_cpu_median_ms: Double?
    }

    func validate() throws {
        guard runs >= 1, warmup >= 0 else { throw ValidationError("--runs must be at least 1 and --warmup not negative") }
    }

    func run() throws {
        let classifier = try modelOptions.classifier()
        let engine = classifier.engine
        // A deterministic, non-constant image, so no kernel sees a degenerate input.
        func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) } }
        let pixels = pattern(engine.input.pixelCount)
        let camera = try frame.map { format -> RawFrame in
            let (bytes, bytesPerLine) = CameraFrame.bytes(of: RGBImage(width: 640, height: 480, pixels: pattern(640 * 480 * 3)), as: format)
            return try RawFrame(bytes: bytes, format: format, width: 640, height: 480, bytesPerLine: bytesPerLine)
        }
        /// The camera path (lookoutd's conversion of a raw frame, then the model); returns the CPU
        /// seconds of its conversion.
        @discardableResult
        func fromFrame() throws -> Double {
            guard let camera else { return 0 }
            let cpuStart = processCPUSeconds()
            let image = try camera.image(classifier.framing)
            let converted = processCPUSeconds() - cpuStart
            _ = try classifier.scores(image.pixels)
            return converted
        }
        for _ in 0..<warmup {
            _ = try classifier.scores(pixels)
            try fromFrame()
        }
        var totals: [Double] = [], invokes: [Double] = [], cpu: [Double] = [], frameTotals: [Double] = [], frameCPU: [Double] = []
        var converts: [Double] = []
        for _ in 0..<runs {
            let start = monotonicSeconds(), cpuStart = processCPUSeconds()
            _ = try classifier.scores(pixels)
            totals.append(monotonicSeconds() - start)
            cpu.append(processCPUSeconds() - cpuStart)
            invokes.append(Double(engine.lastInvokeNanoseconds) / 1e9)
            if frame != nil {
                let start = monotonicSeconds(), cpuStart = processCPUSeconds()
                converts.append(try fromFrame())
                frameTotals.append(monotonicSeconds() - start)
                frameCPU.append(processCPUSeconds() - cpuStart)
            }
        }
        /// Nearest-rank percentile, in milliseconds.
        func rank(_ seconds: [Double], _ p: Double) -> Double {
            let sorted = seconds.sorted()
            return sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))] * 1000
        }
        let report = Report(model: classifier.modelURL.lastPathComponent, threads: engine.threads, runs: runs,
                            median_ms: rank(totals, 0.5), p10_ms: rank(totals, 0.1), p90_ms: rank(totals, 0.9),
                            invoke_median_ms: rank(invokes, 0.5), per_second: 1000 / rank(totals, 0.5),
                            cpu_median_ms: rank(cpu, 0.5), frame: frame?.rawValue,
                            frame_median_ms: frame.map { _ in rank(frameTotals, 0.5) },
                            frame_cpu_median_ms: frame.map { _ in rank(frameCPU, 0.5) },
                            frame_convert_cpu_median_ms: frame.map { _ in rank(converts, 0.5) })
        if json { try printJSON(report); return }
        print("""
            \(report.model), \(report.threads) thread\(report.threads == 1 ? "" : "s"), \(runs) runs
              median \(String(format: "%.3f", report.median_ms)) ms (p10 \(String(format: "%.3f", report.p10_ms)), \
            p90 \(String(format: "%.3f", report.p90_ms))), \(String(format: "%.1f", report.per_second)) inferences/s
              XNNPACK invoke median \(String(format: "%.3f", report.invoke_median_ms)) ms, CPU \(String(format: "%.3f", report.cpu_median_ms)) ms
            """)
        if let frame, let wall = report.frame_median_ms, let cpu = report.frame_cpu_median_ms, let convert = report.frame_convert_cpu_median_ms {
            print("  from a 640×480 \(frame.rawValue) frame: median \(String(format: "%.3f", wall)) ms, CPU \(String(format: "%.3f", cpu)) ms "
                  + "(\(String(format: "%.3f", cpu / report.cpu_median_ms))× the bare inference's CPU; the conversion alone "
                  + "\(String(format: "%.3f", convert)) ms)")
        }
    }
}
