import ArgumentParser
import Foundation
import LookoutClassifier
import LookoutTraining

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a head on a folder of labelled images: top-1, top-5, per-class recall.",
        discussion: "Every image counts (no split). Label folders the head does not know are reported and left out.")

    @OptionGroup var common: EmbeddingOptions

    @Option(help: "Head bundle folder (trained on the same base model).")
    var head: String

    @Flag(help: "Print one JSON object.")
    var json = false

    struct ClassResult: Encodable { let recall: Double?; let images: Int }
    struct Report: Encodable {
        let top1: Double, top5: Double, images: Int, skipped: Int
        let per_class: [String: ClassResult]
        let unknown_labels: [String]
    }

    func run() throws {
        let classifier = try Classifier.load(model: common.model, head: URL(fileURLWithPath: head))
        let (modelURL, modelSHA) = (classifier.modelURL, classifier.modelSHA256)
        let trained = classifier.head!  // a head was given
        let dataset = try Dataset.scan(URL(fileURLWithPath: common.data), validationPercent: 0, labels: trained.labels)
        let known = dataset.images.enumerated().filter { $0.element.label >= 0 }
        let unknown = Set(dataset.images.filter { $0.label < 0 }.map { String($0.relativePath.split(separator: "/")[0]) }).sorted()
        let extractor = try EmbeddingExtractor(modelURL: modelURL, modelSHA256: modelSHA, preprocessing: trained.preprocessing,
                                               workers: common.threads,
                                               cacheDirectory: common.cacheDirectory)
        let progress = TerminalProgress()
        progress.begin("embedding", total: known.count)
        let result = try extractor.run(known.map(\.element.path), views: { _ in [.plain] }, progress: { done, _ in progress.update(done) },
                                       checkpointEvery: common.checkpointEvery)
        progress.end()
        let items = known.indices.compactMap { i in result.embeddings[i].map { (index: i, embedding: $0[0], label: known[i].element.label) } }
        let evaluation = try Evaluation(head: trained, items: items)
        let perClass = Dictionary(uniqueKeysWithValues: trained.labels.enumerated().map {
            ($1, ClassResult(recall: evaluation.perClass[$0].recall, images: evaluation.perClass[$0].images))
        })
        let report = Report(top1: evaluation.top1, top5: evaluation.top5, images: items.count,
                            skipped: result.failures.count, per_class: perClass, unknown_labels: unknown)
        if json { try printJSON(report); return }
        print(String(format: "top-1 %.2f %%, top-5 %.2f %% on %d images (%d skipped)",
                     report.top1 * 100, report.top5 * 100, report.images, report.skipped))
        for (i, reason) in result.failures.sorted(by: { $0.key < $1.key }) { print("  skipped \(printable(known[i].element.relativePath)): \(printable(reason))") }
        if !unknown.isEmpty { print("  labels the head does not know (left out): \(unknown.map(printable).joined(separator: ", "))") }
        for (label, figures) in perClass.sorted(by: { ($0.value.recall ?? 2) < ($1.value.recall ?? 2) }).prefix(10) where figures.images > 0 {
            print(String(format: "  %6.1f %%  ", (figures.recall ?? 0) * 100) + "\(printable(label)) (\(figures.images) images)")
        }
    }
}
