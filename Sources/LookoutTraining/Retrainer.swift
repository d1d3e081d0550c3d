import Foundation
import LookoutClassifier

public struct RetrainOptions: Sendable {
    public var model: URL
    public var modelSHA256: String
    public var data: URL
    public var output: URL
    public var cache: URL
    public var validationPercent = 10
    public var augment = false
    public var preprocessing = Preprocessing.retrainDefault
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// New embeddings between two saves of the cache (what a killed run can lose at most).
    public var checkpointEvery = 1000
    public var seed: UInt64 = 0
    public var regression = SoftmaxRegression.Settings()

    public init(model: URL, modelSHA256: String, data: URL, output: URL, cache: URL) {
        (self.model, self.modelSHA256, self.data, self.output, self.cache) = (model, modelSHA256, data, output, cache)
    }
}

/// Where a long stage reports how far it got.
public protocol ProgressSink: AnyObject {
    func begin(_ stage: String, total: Int)
    func update(_ done: Int)
    func end()
}

/// What `report.json` holds (and `report.html` draws).
public struct RetrainReport: Codable, Sendable {
    public struct Skipped: Codable, Sendable { public var image: String; public var reason: String }
    public struct Mistake: Codable, Sendable {
        public var image: String
        public var label: String
        public var predicted: String
        public var score: Float
    }

    public var labels: [String]
    public var emptyLabels: [String]
    public var trainImages: Int
    public var validationImages: Int
    public var skipped: [Skipped]
    public var embeddingsComputed: Int
    public var embeddingsReused: Int
    public var trainTop1: Double
    public var validation: Evaluation?
    public var misclassified: [Mistake]
    public var iterations: Int
    public var seconds: [String: Double]
}

public enum Retrainer {
    public static let version = "0.1.0"

    public static func run(_ o: RetrainOptions, progress: ProgressSink) throws -> (HeadManifest, RetrainReport) {
        var seconds: [String: Double] = [:]
        var clock = Date()
        func lap(_ stage: String) {
            seconds[stage] = Date().timeIntervalSince(clock)
            clock = Date()
        }

        // Before any work: an output that is not a head bundle, or lies in the dataset, is refused.
        try Head.checkOutput(o.output, data: o.data)
        let dataset = try Dataset.scan(o.data, validationPercent: o.validationPercent, seed: o.seed)
        guard dataset.labels.count >= 2 else {
            throw TrainingError("\(o.data.path): \(dataset.labels.count) label with images; a head needs at least 2")
        }
        lap("scan")

        let extractor = try EmbeddingExtractor(modelURL: o.model, modelSHA256: o.modelSHA256, preprocessing: o.preprocessing,
                                               workers: o.threads,
                                               cacheDirectory: o.cache)
        let trainViews: [View] = o.augment ? View.allCases : [.plain]
        progress.begin("embedding", total: dataset.images.count)
        let extracted = try extractor.run(dataset.images.map(\.path),
                                          views: { dataset.images[$0].isValidation ? [.plain] : trainViews },
                                          progress: { done, _ in progress.update(done) },
                                          checkpointEvery: o.checkpointEvery)
        progress.end()
        lap("embed")

        var features: [Float] = [], labels: [Int] = []
        var train: [(index: Int, embedding: [Float], label: Int)] = [], validation = train
        for (i, image) in dataset.images.enumerated() {
            guard let vectors = extracted.embeddings[i] else { continue }
            if image.isValidation {
                validation.append((i, vectors[0], image.label))
            } else {
                train.append((i, vectors[0], image.label))
                for vector in vectors { features += vector; labels.append(image.label) }
            }
        }
        guard !train.isEmpty else { throw TrainingError("\(o.data.path): no readable training images") }
        progress.begin("training", total: 0)
        let fit = SoftmaxRegression.fit(features: features, labels: labels, classes: dataset.labels.count, settings: o.regression)
        progress.end()
        lap("train")

        var manifest = HeadManifest(
            labels: dataset.labels,
            baseModel: .init(file: o.model.lastPathComponent, sha256: o.modelSHA256),
            embeddingSize: extractor.embeddingSize,
            pooling: o.preprocessing.pooling,
            input: .init(width: extractor.inputSize, height: extractor.inputSize, crop: o.preprocessing.cropName, resize: "bilinear (PIL)"),
            weights: .init(file: HeadManifest.weightsFile, sha256: ""),
            training: ["method": "softmax regression, L-BFGS", "l2": "\(o.regression.l2)",
                       "max_iterations": "\(o.regression.maxIterations)", "balanced_classes": "\(o.regression.balanceClasses)",
                       "augment": "\(o.augment)", "validation_percent": "\(o.validationPercent)", "seed": "\(o.seed)",
                       "data": o.data.path],
            metrics: .init(trainTop1: 0, validationTop1: nil, validationTop5: nil, trainImages: train.count,
                           validationImages: validation.count),
            created: ISO8601DateFormatter().string(from: Date()), lookoutVersion: version)
        let head = Head(manifest: manifest, weights: fit.weights, bias: fit.bias, preprocessing: o.preprocessing)
        let trainEvaluation = try Evaluation(head: head, items: train)
        let validationEvaluation = validation.isEmpty ? nil : try Evaluation(head: head, items: validation)
        manifest.metrics.trainTop1 = trainEvaluation.top1
        manifest.metrics.validationTop1 = validationEvaluation?.top1
        manifest.metrics.validationTop5 = validationEvaluation?.top5

        var report = RetrainReport(
            labels: dataset.labels, emptyLabels: dataset.emptyLabels, trainImages: train.count,
            validationImages: validation.count,
            skipped: extracted.failures.sorted { $0.key < $1.key }.map { .init(image: dataset.images[$0.key].relativePath, reason: $0.value) },
            embeddingsComputed: extracted.computed, embeddingsReused: extracted.reused,
            trainTop1: trainEvaluation.top1, validation: validationEvaluation,
            misclassified: (validationEvaluation?.mistakes ?? []).map {
                .init(image: dataset.images[$0.index].relativePath, label: dataset.labels[$0.label],
                      predicted: dataset.labels[$0.predicted], score: $0.score)
            },
            iterations: fit.iterations, seconds: seconds)
        lap("evaluate")
        report.seconds = seconds
        let html = ReportPage.render(report, dataset: dataset, inputSize: 96)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let written = try Head(manifest: manifest, weights: fit.weights, bias: fit.bias, preprocessing: o.preprocessing)
            .write(to: o.output, extras: ["report.json": try encoder.encode(report), "report.html": Data(html.utf8)])
        lap("write")
        report.seconds = seconds
        return (written, report)
    }
}
