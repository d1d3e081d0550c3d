import ArgumentParser
import Foundation
import LookoutClassifier
import LookoutImaging

@main
struct Lookout: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookout",
        abstract: "Lookout's companion tool: classify images, retrain the classifier head, benchmark, manage models.",
        discussion: """
            Models are named by path or by name; names are looked up in LOOKOUT_MODEL_DIR (when set), \
            then in the model store (/var/lib/lookout/models for root, else ~/.local/share/lookout/models, then /var/lib/lookout/models).
            """,
        subcommands: [Classify.self, Bench.self, Retrain.self, Eval.self, ModelCommand.self, Tail.self, Devices.self, Capture.self, HeadCommand.self, Mqtt.self, Metrics.self, Web.self])
}

/// Options every command that runs a model shares.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "Model file, or the name of an installed model (e.g. mobilenet_v1_1.0_224).")
    var model: String

    @Option(help: "Threads XNNPACK runs the model on (1 = the calling thread only).")
    var threads: Int = 1

    func validate() throws {
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be between 1 and 64") }
    }

    /// The model as a classifier, with a head, labels or crop when the command has them.
    func classifier(head: String? = nil, labels: String? = nil, crop: CropMode? = nil, topK: Int = 5) throws -> Classifier {
        try Classifier.load(model: model, threads: threads, head: head.map(URL.init(fileURLWithPath:)),
                            labels: labels.map(URL.init(fileURLWithPath:)), crop: crop, topK: topK)
    }
}

/// A one-line error for stderr that names the thing and the cause.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Prints one JSON object on a line.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
