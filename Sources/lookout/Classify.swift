import ArgumentParser
import Foundation
import LookoutEngine
import LookoutImaging
import LookoutModels
import LookoutTraining

enum CropChoice: String, ExpressibleByArgument, CaseIterable {
    case center, none

    var mode: CropMode { self == .center ? .standard : .none }
}

struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the top labels and scores for each image.",
        discussion: """
            Images (JPEG or PNG) are decoded, EXIF-rotated, cropped to their central 87.5 % square (--crop center) \
            or taken whole (--crop none), and resized to the model's input size. latency_ms covers decoding, \
            resizing and inference of that image.
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Labels file, one label per line (default: found beside the model).")
    var labels: String?

    @Option(help: "Head bundle from `lookout retrain`: classify with its labels on the model's embedding.")
    var head: String?

    @Option(help: "How many of the best labels to print.")
    var top: Int = 5

    @Option(help: "center: central 87.5 % square; none: the whole image. (default: the head's, else center)")
    var crop: CropChoice?

    @Flag(help: "One JSON object per image and line.")
    var json = false

    @Argument(help: "Image files.")
    var images: [String]

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
        guard !images.isEmpty else { throw ValidationError("name at least one image") }
    }

    struct Entry: Encodable { let index: Int; let label: String; let score: Float }
    struct Result: Encodable { let image: String; let top: [Entry]; let latency_ms: Double }

    func run() throws {
        let (url, engine) = try modelOptions.load()
        let trained = try head.map {
            try Head.load(URL(fileURLWithPath: $0), baseModelSHA256: try sha256(of: url), baseModelName: url.lastPathComponent,
                          baseEmbeddingSize: engine.embeddingSize)
        }
        let names = try trained?.labels ?? loadLabels(model: url, classCount: engine.classCount)
        var failures = 0
        for image in images {
            do {
                let start = now()
                let framing = crop?.mode ?? trained?.preprocessing.crop ?? .standard
                let pixels = try ImagePreprocessor.load(file: image, size: engine.input.width, crop: framing)
                let scores = try trained.map { try $0.scores(for: try engine.embedding(for: pixels.pixels, pooling: $0.preprocessing.pooling)) }
                    ?? engine.scores(for: pixels.pixels)
                let latency = milliseconds(now() - start)
                let best = scores.indices.sorted { scores[$0] > scores[$1] }.prefix(top)
                let entries = best.map { Entry(index: $0, label: names?[$0] ?? "#\($0)", score: scores[$0]) }
                if json {
                    try printJSON(Result(image: image, top: entries, latency_ms: latency))
                } else {
                    print("\(printable(image)) (\(String(format: "%.1f", latency)) ms)")
                    for e in entries { print(String(format: "  %6.4f  %4d  ", e.score, e.index) + printable(e.label)) }
                }
            } catch {
                failures += 1
                FileHandle.standardError.write(Data("lookout: \(printable("\(error)"))\n".utf8))
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    func loadLabels(model: URL, classCount: Int) throws -> [String]? {
        guard let file = labels.map(URL.init(fileURLWithPath:)) ?? Labels.file(besides: model, classCount: classCount) else {
            return nil
        }
        let names = try Labels.load(file)
        guard names.count == classCount else {
            throw CLIError("\(file.path): \(names.count) labels, but the model has \(classCount) classes")
        }
        return names
    }
}

extension Pooling: ExpressibleByArgument {}
