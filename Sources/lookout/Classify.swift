import ArgumentParser
import Foundation
import LookoutClassifier
import LookoutClock
import LookoutEngine
import LookoutImaging

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

    struct Result: Encodable { let image: String; let top: [Prediction]; let latency_ms: Double }

    func run() throws {
        let classifier = try modelOptions.classifier(head: head, labels: labels, crop: crop?.mode, topK: top)
        var failures = 0
        for image in images {
            do {
                let start = monotonicSeconds()
                let pixels = try ImagePreprocessor.load(file: image, framing: classifier.framing)
                let entries = try classifier.top(pixels.pixels)
                let latency = (monotonicSeconds() - start) * 1000
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
}

extension Pooling: ExpressibleByArgument {}
