import ArgumentParser
import Foundation
import LookoutClassifier
import LookoutEngine
import LookoutModels

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Inspect, install and list models.",
        subcommands: [Info.self, Install.self, List.self])

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Input and output, operators, parameters, multiply-accumulates and sha256 of a model.")

        @Argument(help: "Model file or installed model name.")
        var model: String

        @Flag(help: "Print one JSON object.")
        var json = false

        struct Report: Encodable {
            let file: String, bytes: Int, sha256: String
            let summary: ModelSummary
        }

        func run() throws {
            let url = try ModelLoader.resolve(model)
            let engine = try ModelLoader.open(url)
            let s = engine.summary
            let report = Report(file: url.path, bytes: engine.model.bytes.count, sha256: try sha256(of: url), summary: s)
            if json { try printJSON(report); return }
            func tensor(_ t: ModelSummary.TensorSummary) -> String {
                "\(t.name) \(t.type) \(t.shape)" + (t.scale.map { " scale \($0) zero point \(t.zeroPoint ?? 0)" } ?? "")
            }
            print("""
                file        \(report.file) (\(report.bytes) bytes)
                sha256      \(report.sha256)
                input       \(tensor(s.input))
                output      \(tensor(s.output))
                embedding   \(s.embeddingSize.map(String.init) ?? "none")
                parameters  \(s.parameters)
                MACs        \(s.multiplyAccumulates) per inference
                operators   \(s.operators.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", "))
                """)
        }
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install a known model and its labels into the model store.",
            discussion: "Known models: \(Catalog.models.map(\.name).joined(separator: ", ")).")

        @Argument(help: "Model name.")
        var name: String

        @Option(help: "Copy from this folder instead of downloading from the model's official address.")
        var from: String?

        func run() throws {
            let store = ModelStore.standard()
            let target = try store.install(name, from: from.map(URL.init(fileURLWithPath:)), download: { try download($0, into: $1) }) { candidate in
                let engine = try ModelLoader.open(candidate, name: candidate.lastPathComponent)
                try ModelLoader.prepare(engine, name: candidate.lastPathComponent)
                return engine.classCount
            }
            print("installed \(target.path)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the models Lookout finds, in search order.")

        func run() throws {
            let store = ModelStore.standard()
            print("# search path: \(store.searchPath.map(\.path).joined(separator: ":"))")
            for url in store.installed() { print(url.path) }
        }
    }
}
