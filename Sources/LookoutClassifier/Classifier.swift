import Foundation
import LookoutEngine
import LookoutImaging
import LookoutModels

/// A label and its score: one line of a top-K.
public struct Prediction: Sendable, Equatable, Encodable {
    /// The model's (or head's) class number.
    public let index: Int
    public let label: String
    public let score: Float

    public init(index: Int, label: String, score: Float) { (self.index, self.label, self.score) = (index, label, score) }
}

/// Model (+ head) + labels + framing → scores, top-K and embeddings: how every program classifies
/// (`lookout classify`, `capture`, `bench`, `eval`, `head install` and lookoutd).
///
/// One classification at a time: an engine is single-threaded by design. Not Sendable: lookoutd
/// keeps each classifier on its model thread (ModelThread), and a reload builds a new one there.
public final class Classifier {
    public let engine: Engine
    public let modelURL: URL
    public let modelSHA256: String
    /// A retrained head: its labels and framing replace the model's own.
    public let head: Head?
    /// Line i names class i; empty when no labels file was found (classes are then named `#i`).
    public let labels: [String]
    /// The model's input as the head was trained on (ImageNet's centre crop without a head), unless
    /// the caller chose a crop.
    public let framing: Framing
    /// How many predictions `top` gives.
    public let topK: Int

    public init(engine: Engine, modelURL: URL, modelSHA256: String, head: Head?, labels: [String], crop: CropMode? = nil, topK: Int) {
        (self.engine, self.modelURL, self.modelSHA256, self.head, self.labels, self.topK) = (engine, modelURL, modelSHA256, head, labels, topK)
        framing = Framing(size: engine.input.width, crop: crop ?? head?.preprocessing.crop ?? .standard)
    }

    /// Loads and checks the model (a file or an installed name), the head trained on it and the
    /// labels: the head's, else `labels`, else the file found beside the model (`Labels.file`).
    /// `prepare`: the runtime is built now (a model XNNPACK refuses is refused here) and the model
    /// file's bytes freed, as a long-running program wants.
    public static func load(model: String, threads: Int = 1, head: URL? = nil, labels: URL? = nil, crop: CropMode? = nil,
                            topK: Int = 5, prepare: Bool = false) throws -> Classifier {
        let url = try ModelLoader.resolve(model)
        let engine = try ModelLoader.open(url, threads: threads)
        let sha = try sha256(of: url)
        let trained = try head.map {
            try Head.load($0, baseModelSHA256: sha, baseModelName: url.lastPathComponent, baseEmbeddingSize: engine.embeddingSize)
        }
        if prepare {
            try ModelLoader.prepare(engine, pooling: trained?.preprocessing.pooling, releasingModel: true, name: url.path)
        }
        let names = try trained?.labels ?? Self.labels(file: labels, besides: url, classCount: engine.classCount) ?? []
        return Classifier(engine: engine, modelURL: url, modelSHA256: sha, head: trained, labels: names, crop: crop, topK: topK)
    }

    /// The label rule: `file`, else the labels file found beside `model`, else none (nil). A file
    /// whose count is not the model's number of classes is refused: its labels would name the
    /// wrong classes.
    public static func labels(file: URL?, besides model: URL, classCount: Int) throws -> [String]? {
        guard let file = file ?? Labels.file(besides: model, classCount: classCount) else { return nil }
        let names = try Labels.load(file)
        guard names.count == classCount else {
            throw ClassifierError("\(file.path): \(names.count) labels, but the model has \(classCount) classes")
        }
        return names
    }

    /// Class probabilities for a framed picture (`framing.size` square, RGB): the head's on the
    /// model's embedding, else the model's own.
    public func scores(_ pixels: [UInt8]) throws -> [Float] {
        guard let head else { return try engine.scores(for: pixels) }
        return try head.scores(for: try embedding(pixels))
    }

    /// The model's embedding of a framed picture, pooled as the head was trained (average without one).
    public func embedding(_ pixels: [UInt8]) throws -> [Float] {
        try engine.embedding(for: pixels, pooling: head?.preprocessing.pooling ?? .average)
    }

    /// The `topK` best labels for a framed picture, best first.
    public func top(_ pixels: [UInt8]) throws -> [Prediction] { predictions(try scores(pixels)) }

    /// The `topK` best of `scores`, with their labels.
    public func predictions(_ scores: [Float]) -> [Prediction] {
        Self.ranking(scores, top: topK).map {
            Prediction(index: $0, label: labels.indices.contains($0) ? labels[$0] : "#\($0)", score: scores[$0])
        }
    }

    /// The indices of the `k` highest scores, highest first: the one top-K.
    public static func ranking(_ scores: [Float], top k: Int) -> [Int] {
        Array(scores.indices.sorted { scores[$0] > scores[$1] }.prefix(k))
    }
}
