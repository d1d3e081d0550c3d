import ArgumentParser
import Foundation
import LookoutClassifier
import LookoutEngine
import LookoutModels
import LookoutTraining

struct Retrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a new classifier head on a folder of labelled images (one sub-folder per label).",
        discussion: """
            The base model stays frozen: its global-pool embeddings of the images (computed on all cores, \
            cached by file content) feed a softmax regression fitted with full-batch L-BFGS (no learning rate \
            to tune). A stable per-file hash picks the validation images. The output folder is a head bundle \
            (head.json, head.safetensors, report.json, report.html), replaced atomically.
            """)

    @OptionGroup var common: EmbeddingOptions

    @Option(help: "Where to write the head bundle.")
    var output: String

    @Option(help: "Share of images held out for validation, in percent.")
    var validationPercent = 10

    @Flag(help: "Also learn from mirrored and shifted crops of the training images.")
    var augment = false

    @Option(help: "none: the whole image, squashed to the model's square; center: its central 87.5 % square. The head keeps it: classifying with the head frames pictures the same way.")
    var crop: CropChoice = .none

    @Option(help: "How the base model's last feature map becomes the embedding: \(Pooling.allCases.map(\.rawValue).joined(separator: " or ")).")
    var pooling: Pooling = .averageAndMax

    @Option(help: "Most L-BFGS iterations.")
    var epochs = 300

    @Option(help: "L2 regularisation of the head's weights.")
    var l2: Float = 1e-4

    @Flag(help: "Weigh every image the same instead of every class the same.")
    var unbalanced = false

    @Option(help: "Salts the validation split: another seed, another (equally stable) split.")
    var seed: UInt64 = 0

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    func validate() throws {
        guard (0...90).contains(validationPercent) else { throw ValidationError("--validation-percent must be 0…90") }
        guard epochs >= 1, l2 >= 0 else { throw ValidationError("--epochs must be positive, --l2 not negative") }
    }

    func run() throws {
        let (modelURL, modelSHA256) = try common.resolveModel()
        var options = RetrainOptions(model: modelURL, modelSHA256: modelSHA256, data: URL(fileURLWithPath: common.data),
                                     output: URL(fileURLWithPath: output), cache: common.cacheDirectory)
        options.validationPercent = validationPercent
        options.augment = augment
        options.preprocessing = Preprocessing(crop: crop.mode, pooling: pooling)
        options.threads = common.threads
        options.checkpointEvery = common.checkpointEvery
        options.seed = seed
        options.regression.l2 = l2
        options.regression.maxIterations = epochs
        options.regression.balanceClasses = !unbalanced
        let started = Date()
        let (manifest, report) = try Retrainer.run(options, progress: TerminalProgress())
        let total = Date().timeIntervalSince(started)
        if json {
            try printJSON(Summary(output: output, trainTop1: report.trainTop1, validationTop1: report.validation?.top1,
                                  validationTop5: report.validation?.top5, labels: report.labels.count,
                                  trainImages: report.trainImages, validationImages: report.validationImages,
                                  skipped: report.skipped.count, embeddingsComputed: report.embeddingsComputed,
                                  embeddingsReused: report.embeddingsReused, seconds: report.seconds, totalSeconds: total))
            return
        }
        func pct(_ v: Double?) -> String { v.map { String(format: "%.1f %%", $0 * 100) } ?? "–" }
        print("""
            head written to \(printable(output)) (\(manifest.labels.count) labels, base \(printable(manifest.baseModel.file)))
              top-1: training \(pct(report.trainTop1)), validation \(pct(report.validation?.top1)) \
            (top-5 \(pct(report.validation?.top5)))
              images: \(report.trainImages) training, \(report.validationImages) validation, \(report.skipped.count) skipped
              embeddings: \(report.embeddingsComputed) computed, \(report.embeddingsReused) from cache
              time: \(report.seconds.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1f", $0.value)) s" }.joined(separator: ", ")); \
            total \(String(format: "%.1f", total)) s
              report: \(printable(output))/report.html
            """)
        for skipped in report.skipped.prefix(10) { print("  skipped \(printable(skipped.image)): \(printable(skipped.reason))") }
        if report.skipped.count > 10 { print("  … and \(report.skipped.count - 10) more in report.json") }
        for label in report.emptyLabels { print("  empty label folder: \(printable(label))") }
    }

    struct Summary: Encodable {
        let output: String, trainTop1: Double, validationTop1: Double?, validationTop5: Double?, labels: Int
        let trainImages: Int, validationImages: Int, skipped: Int, embeddingsComputed: Int, embeddingsReused: Int
        let seconds: [String: Double], totalSeconds: Double
    }
}

/// What `retrain` and `eval` both need: a base model, a labelled folder, where embeddings are cached.
struct EmbeddingOptions: ParsableArguments {
    @Option(help: "Base model file or installed name.")
    var model: String

    @Option(help: "Folder with one sub-folder of JPEG/PNG images per label.")
    var data: String

    @Option(help: "Embedding cache folder (default: $XDG_CACHE_HOME/lookout or ~/.cache/lookout).")
    var cache: String?

    @Option(help: "Worker threads for embeddings (default: all cores).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Save the embedding cache every N new embeddings: a run that is killed or loses power loses at most N.")
    var checkpointEvery = 1000

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be positive") }
        guard (1...1_000_000).contains(checkpointEvery) else { throw ValidationError("--checkpoint-every must be 1…1000000") }
    }

    func resolveModel() throws -> (url: URL, sha256: String) {
        let url = try ModelStore.standard().resolve(model)
        return (url, try sha256(of: url))
    }

    var cacheDirectory: URL {
        if let cache { return URL(fileURLWithPath: cache) }
        let base = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: NSHomeDirectory()).appendingPathComponent(".cache")
        return base.appendingPathComponent("lookout")
    }
}

/// A progress bar on a terminal (rate and ETA), a plain line every few seconds otherwise.
final class TerminalProgress: ProgressSink, @unchecked Sendable {
    private let lock = NSLock()
    private let tty = isatty(STDERR_FILENO) == 1
    private var stage = "", total = 0, started = Date(), lastDraw = Date.distantPast

    func begin(_ stage: String, total: Int) {
        lock.withLock { (self.stage, self.total, started, lastDraw) = (stage, total, Date(), .distantPast) }
        if total == 0 { FileHandle.standardError.write(Data("\(stage)…\n".utf8)) }
    }

    func update(_ done: Int) {
        lock.withLock {
            let now = Date()
            guard now.timeIntervalSince(lastDraw) >= (tty ? 0.1 : 5) || done == total else { return }
            lastDraw = now
            let elapsed = now.timeIntervalSince(started)
            let rate = Double(done) / max(elapsed, 1e-3)
            let eta = rate > 0 ? Double(total - done) / rate : 0
            let figures = "\(done)/\(total) \(String(format: "%.0f", rate)) img/s, ETA \(String(format: "%.0f", eta)) s"
            if tty {
                let width = 30, filled = total > 0 ? width * done / total : 0
                let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                FileHandle.standardError.write(Data("\r\(stage) [\(bar)] \(figures)\u{1B}[K".utf8))
            } else {
                FileHandle.standardError.write(Data("\(stage): \(figures)\n".utf8))
            }
        }
    }

    func end() {
        lock.withLock {
            if tty, total > 0 { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }
}
