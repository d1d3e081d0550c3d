import LookoutDigest
import Foundation
import LookoutFiles
import LookoutClassifier
import LookoutEngine
import LookoutImaging

/// Views of one image that retraining can learn from. `plain` is what classification sees.
public enum View: UInt8, CaseIterable, Sendable {
    case plain = 0, mirrored, shiftedUpLeft, shiftedDownRight

    /// The crop of a `width`×`height` image for this view: `crop`'s, or moved by 1/16 of its side
    /// (a whole-image crop shrinks by that much first, to have room to move).
    func rectangle(width: Int, height: Int, crop: CropMode) -> (x: Int, y: Int, width: Int, height: Int) {
        var box = crop.rectangle(width: width, height: height)
        let step = max(1, min(box.width, box.height) / 16)
        if crop == .none, self == .shiftedUpLeft || self == .shiftedDownRight {
            box = (step / 2, step / 2, max(1, width - step), max(1, height - step))
        }
        switch self {
        case .shiftedUpLeft: box.x = max(0, box.x - step); box.y = max(0, box.y - step)
        case .shiftedDownRight: box.x = min(width - box.width, box.x + step); box.y = min(height - box.height, box.y + step)
        case .plain, .mirrored: break
        }
        return box
    }
}

/// Computes the base model's embeddings for many images on all cores: one engine per worker
/// (an engine is single-threaded by design), cached by content hash.
public final class EmbeddingExtractor {
    public struct Result {
        /// embeddings[i][v]: image i, view `views(i)[v]`; nil when the image could not be read.
        public var embeddings: [[[Float]]?]
        /// Why image i could not be used.
        public var failures: [Int: String]
        public var computed = 0
        public var reused = 0
    }

    let modelURL: URL
    let workers: Int
    let cache: EmbeddingCache
    public let modelSHA256: String
    public let preprocessing: Preprocessing
    public let embeddingSize: Int
    public let inputSize: Int

    public init(modelURL: URL, modelSHA256: String, preprocessing: Preprocessing, workers: Int, cacheDirectory: URL) throws {
        self.modelURL = modelURL
        self.modelSHA256 = modelSHA256
        self.preprocessing = preprocessing
        self.workers = max(1, workers)
        let probe = try ModelLoader.open(modelURL)
        guard let size = probe.embeddingSize else { throw TrainingError("\(modelURL.lastPathComponent): model has no global pooling layer") }
        embeddingSize = preprocessing.pooling == .averageAndMax ? 2 * size : size
        inputSize = probe.input.width
        cache = try EmbeddingCache(directory: cacheDirectory,
                                   context: "model=\(modelSHA256);input=\(inputSize);crop=\(preprocessing.cropName);"
                                       + "resize=pil-bilinear;pooling=\(preprocessing.pooling.rawValue);v1",
                                   dimension: embeddingSize)
    }

    /// `views(i)` says which views image i needs. `progress(done, total)` is called after each image.
    /// The cache is saved every `checkpointEvery` new embeddings, so a killed run keeps most of its
    /// work; a checkpoint that cannot be saved stops the run with that error (the final save would
    /// fail the same way, after all the work).
    public func run(_ paths: [String], views: (Int) -> [View], progress: @escaping (Int, Int) -> Void,
                    shouldStop: @escaping () -> Bool = { false }, checkpointEvery: Int = 1000) throws -> Result {
        let needed = paths.indices.map(views)
        let state = SharedState(count: paths.count)
        var engines: [Engine] = []
        for _ in 0..<min(workers, max(1, paths.count)) {
            // Each worker runs one runtime: built now, the model file's bytes freed once it is packed.
            let engine = try ModelLoader.open(modelURL)
            try ModelLoader.prepare(engine, pooling: preprocessing.pooling, releasingModel: true, name: modelURL.path)
            engines.append(engine)
        }
        DispatchQueue.concurrentPerform(iterations: engines.count) { worker in
            let engine = engines[worker]
            while !shouldStop(), state.checkpointFailure == nil, let i = state.next() {
                let outcome = embed(paths[i], views: needed[i], engine: engine)
                progress(state.finish(i, outcome), paths.count)
                if cache.unsaved >= checkpointEvery, state.saving.try() {
                    do { try cache.save() } catch { state.checkpointFailed(error) }
                    state.saving.unlock()
                }
            }
        }
        if let failure = state.checkpointFailure { throw failure }
        if cache.unsaved > 0 { try cache.save() }
        return state.result
    }

    private enum Outcome {
        case embedded([[Float]], computed: Int, reused: Int)
        case failed(String)
    }

    private func embed(_ path: String, views: [View], engine: Engine) -> Outcome {
        let bytes: [UInt8]
        do { bytes = try RegularFile.read(path) } catch {
            return .failed("\(error)".replacingOccurrences(of: "\(path): ", with: ""))
        }
        let content = Array(SHA256.hash(data: bytes))
        var vectors: [[Float]] = []
        var decoded: RGBImage?
        var computed = 0
        do {
            for view in views {
                let key = EmbeddingCache.Key(content: content, variant: view.rawValue)
                if let cached = cache[key] { vectors.append(cached); continue }
                if decoded == nil {
                    decoded = try ImageDecoder.decode(bytes, name: (path as NSString).lastPathComponent,
                                                      minimumSide: inputSize, crop: preprocessing.crop)
                }
                let image = decoded!
                var pixels = Resize.resize(image, rectangle: view.rectangle(width: image.width, height: image.height, crop: preprocessing.crop), to: inputSize)
                if view == .mirrored { pixels = mirrored(pixels) }
                let vector = try engine.embedding(for: pixels.pixels, pooling: preprocessing.pooling)
                cache[key] = vector
                vectors.append(vector)
                computed += 1
            }
        } catch {
            return .failed("\(error)".replacingOccurrences(of: "\((path as NSString).lastPathComponent): ", with: ""))
        }
        return .embedded(vectors, computed: computed, reused: views.count - computed)
    }

    private func mirrored(_ image: RGBImage) -> RGBImage {
        var out = image.pixels
        for y in 0..<image.height {
            for x in 0..<image.width {
                let s = (y * image.width + x) * 3, d = (y * image.width + image.width - 1 - x) * 3
                out[d] = image.pixels[s]; out[d + 1] = image.pixels[s + 1]; out[d + 2] = image.pixels[s + 2]
            }
        }
        return RGBImage(width: image.width, height: image.height, pixels: out)
    }

    /// Work queue and results shared by the workers.
    private final class SharedState: @unchecked Sendable {
        private let lock = NSLock()
        let saving = NSLock()
        private var cursor = 0
        private var done = 0
        private var failure: Error?
        private var outcomes: Result

        init(count: Int) { outcomes = Result(embeddings: Array(repeating: nil, count: count), failures: [:]) }

        var result: Result { lock.withLock { outcomes } }
        var checkpointFailure: Error? { lock.withLock { failure } }
        func checkpointFailed(_ error: Error) { lock.withLock { failure = failure ?? error } }

        func next() -> Int? {
            lock.withLock {
                guard cursor < outcomes.embeddings.count else { return nil }
                defer { cursor += 1 }
                return cursor
            }
        }

        /// Records image i's outcome; returns how many images are done.
        func finish(_ i: Int, _ outcome: Outcome) -> Int {
            lock.withLock {
                done += 1
                switch outcome {
                case .embedded(let vectors, let computed, let reused):
                    outcomes.embeddings[i] = vectors
                    outcomes.computed += computed
                    outcomes.reused += reused
                case .failed(let reason):
                    outcomes.failures[i] = reason
                }
                return done
            }
        }
    }
}
