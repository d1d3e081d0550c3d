import Foundation
import TFLite

/// What the model takes: an RGB image of `height`×`width`, converted to the input tensor as the model says.
public struct InputSpec: Sendable, Equatable {
    public init(height: Int, width: Int, channels: Int, quantized: Bool, mean: Float, std: Float) {
        (self.height, self.width, self.channels, self.quantized, self.mean, self.std) = (height, width, channels, quantized, mean, std)
    }

    public let height: Int
    public let width: Int
    public let channels: Int
    /// uint8 models take the pixel bytes as they are: the tensor's quantization (scale, zero point)
    /// already maps them to the range the network was trained on.
    public let quantized: Bool
    /// Float models take (pixel − mean) / std. MobileNet float exports carry no normalization in the
    /// flatbuffer; their training contract is [-1, 1], i.e. mean = std = 127.5. For uint8 models the
    /// same pair is derived from the tensor's quantization: mean = zero point, std = 1 / scale.
    public let mean: Float
    public let std: Float

    public var pixelCount: Int { height * width * channels }
}

/// How the last feature map becomes the embedding a head is trained on.
public enum Pooling: String, Codable, Sendable, CaseIterable {
    /// The model's own global average pool: C features.
    case average
    /// Average and maximum of each channel over the map: 2C features. The maximum keeps a strong
    /// local response (a small object) that averaging over the whole frame dilutes.
    case averageAndMax = "average+max"
}

/// A loaded MobileNet: class scores and the global-pool embedding for RGB images of the input size.
///
/// Not safe to call from several threads at once: give each worker its own `Engine`, or serialise calls.
public final class Engine {
    public let model: Model
    public let input: InputSpec
    /// Number of classes the model scores.
    public let classCount: Int
    /// Length of the global-pool feature vector, nil for models without a global pool.
    public let embeddingSize: Int?
    public var threads: Int { pool.threads }
    /// Wall time of the last XNNPACK invoke alone, to tell the engine's own overhead from XNNPACK's.
    public private(set) var lastInvokeNanoseconds: UInt64 = 0

    private let pool: ThreadPool
    let graph: Graph
    /// uint8 softmax runs on the host (a handful of exps): the logits leave XNNPACK instead.
    private let hostSoftmax: (logits: Int, nodeCount: Int)?
    private var runtimes: [Purpose: (batch: Int, runtime: XNNRuntime)] = [:]

    private enum Purpose { case scores, embedding, featureMap }

    public convenience init(contentsOf url: URL, threads: Int = 1) throws {
        try self.init(model: try Model.load(contentsOf: url), threads: threads)
    }

    public init(model: Model, threads: Int = 1) throws {
        self.model = model
        let graph = try Graph(model: model, batch: 1)
        self.graph = graph
        pool = ThreadPool(threads: threads)

        let inputValue = graph.values[graph.input]!
        let channels = inputValue.shape[3]
        guard channels == 3 else { throw EngineError("input has \(channels) channels; RGB (3) is expected") }
        switch inputValue.type {
        case .quint8(let scale, let zeroPoint):
            input = InputSpec(height: inputValue.shape[1], width: inputValue.shape[2], channels: channels,
                              quantized: true, mean: Float(zeroPoint), std: 1 / scale)
        default:
            input = InputSpec(height: inputValue.shape[1], width: inputValue.shape[2], channels: channels,
                              quantized: false, mean: 127.5, std: 127.5)
        }
        let outputValue = graph.values[graph.output]!
        // One row of class scores: a scalar or empty output would leave nothing to divide the buffer by.
        guard let classes = outputValue.shape.last, classes > 0, outputValue.count == classes else {
            throw EngineError("output '\(outputValue.name)' has shape \(outputValue.shape); one row of class scores is expected")
        }
        classCount = classes
        embeddingSize = graph.embedding.map { graph.values[$0.value]!.shape.last! }
        if case .softmax(let logits, let out) = graph.nodes.last, out == graph.output, outputValue.type.isQuint8 {
            hostSoftmax = (logits, graph.nodes.count - 1)
        } else {
            hostSoftmax = nil
        }
    }

    /// For uint8 models ending in softmax: the scale of the logits, i.e. the size of one quantization step.
    public var quantizedLogitScale: Float? {
        guard let host = hostSoftmax, case .quint8(let scale, _) = graph.values[host.logits]!.type else { return nil }
        return scale
    }

    // MARK: - inference

    /// Class probabilities for one RGB image of the input size (`input.pixelCount` bytes).
    public func scores(for pixels: [UInt8]) throws -> [Float] { try scores(for: [pixels])[0] }

    public func scores(for batch: [[UInt8]]) throws -> [[Float]] {
        let runtime = try run(.scores, batch)
        guard let host = hostSoftmax else { return split(runtime, classCount) }
        let logits = graph.values[host.logits]!
        guard case .quint8(let scale, let zeroPoint) = logits.type,
              case .quint8(let outScale, let outZero) = graph.values[graph.output]!.type else {
            throw EngineError("softmax on the host takes and gives uint8")
        }
        let table = (0..<256).map { scale * Float($0 - Int(zeroPoint)) }
        let bytes = runtime.output.bindMemory(to: UInt8.self)
        return (0..<batch.count).map { b in
            let row = (0..<classCount).map { table[Int(bytes[b * classCount + $0])] }
            let top = row.max() ?? 0
            let exps = row.map { exp($0 - top) }
            let sum = exps.reduce(0, +)
            // Quantise to the output tensor's grid as the model would, then read back the probability.
            return exps.map { e in
                let q = min(max((e / sum / outScale).rounded() + Float(outZero), 0), 255)
                return outScale * (q - Float(outZero))
            }
        }
    }

    /// The feature vector for one image: embeddingSize values, twice that for `.averageAndMax`.
    public func embedding(for pixels: [UInt8], pooling: Pooling = .average) throws -> [Float] {
        try embedding(for: [pixels], pooling: pooling)[0]
    }

    public func embedding(for batch: [[UInt8]], pooling: Pooling = .average) throws -> [[Float]] {
        guard let size = embeddingSize else { throw EngineError("model has no global pooling layer to take an embedding from") }
        switch pooling {
        case .average:
            return split(try run(.embedding, batch), size)
        case .averageAndMax:
            let runtime = try run(.featureMap, batch)
            return split(runtime, runtime.outputValue.count / batch.count).map { map in
                var average = [Float](repeating: 0, count: size), maximum = [Float](repeating: -.infinity, count: size)
                let cells = map.count / size
                for cell in 0..<cells {
                    for c in 0..<size {
                        let v = map[cell * size + c]
                        average[c] += v
                        maximum[c] = max(maximum[c], v)
                    }
                }
                return average.map { $0 / Float(cells) } + maximum
            }
        }
    }

    private func run(_ purpose: Purpose, _ batch: [[UInt8]]) throws -> XNNRuntime {
        guard !batch.isEmpty else { throw EngineError("empty batch") }
        let runtime = try self.runtime(purpose, batch: batch.count)
        let n = input.pixelCount
        for (b, pixels) in batch.enumerated() {
            guard pixels.count == n else {
                throw EngineError("image has \(pixels.count) bytes; the model takes \(input.width)×\(input.height)×3 = \(n)")
            }
            if input.quantized {
                runtime.input.baseAddress!.advanced(by: b * n).copyMemory(from: pixels, byteCount: n)
            } else {
                let floats = runtime.input.baseAddress!.assumingMemoryBound(to: Float.self).advanced(by: b * n)
                let scale = 1 / input.std, offset = -input.mean / input.std
                for i in 0..<n { floats[i] = Float(pixels[i]) * scale + offset }
            }
        }
        let start = DispatchTime.now().uptimeNanoseconds
        try runtime.invoke()
        lastInvokeNanoseconds = DispatchTime.now().uptimeNanoseconds - start
        return runtime
    }

    /// The output buffer as `batch` rows of `width` probabilities or features, dequantised when uint8.
    private func split(_ runtime: XNNRuntime, _ width: Int) -> [[Float]] {
        let rows = runtime.outputValue.count / width
        switch runtime.outputValue.type {
        case .quint8(let scale, let zeroPoint):
            let bytes = runtime.output.bindMemory(to: UInt8.self)
            return (0..<rows).map { r in (0..<width).map { scale * Float(Int32(bytes[r * width + $0]) - zeroPoint) } }
        default:
            let floats = runtime.output.bindMemory(to: Float.self)
            return (0..<rows).map { r in Array(floats[r * width..<(r + 1) * width]) }
        }
    }

    /// Runtimes are built on first use and kept for the last batch size used for each purpose:
    /// XNNPACK packs the weights per runtime, so one per purpose bounds memory.
    private func runtime(_ purpose: Purpose, batch: Int) throws -> XNNRuntime {
        if let cached = runtimes[purpose], cached.batch == batch { return cached.runtime }
        guard !model.bytes.isReleased else {
            throw EngineError("the model's weights were freed once its runtime was built; it runs only as prepared")
        }
        runtimes[purpose] = nil
        let g = batch == 1 ? graph : try Graph(model: model, batch: batch)
        let part: (value: Int, nodeCount: Int)
        switch purpose {
        case .scores:
            let (logits, count) = hostSoftmax ?? (g.output, g.nodes.count)
            part = (logits, count)
        case .embedding, .featureMap:
            guard let pooled = purpose == .embedding ? g.embedding : g.featureMap else {
                throw EngineError("model has no global pooling layer")
            }
            part = pooled
        }
        // A result that is the input itself leaves nothing for XNNPACK to run (it asserts on that).
        guard part.value != g.input else { throw EngineError("model computes nothing from its input before that output") }
        let built = try XNNRuntime(graph: g, nodeCount: part.nodeCount, outputIndex: part.value, pool: pool, packed: packed)
        runtimes[purpose] = (batch, built)
        return built
    }

    /// Whether the model's bytes go once XNNPACK has packed its own copy of the weights (`prepare`).
    private var releaseWhenPacked = false

    /// XNNPACK holds the weights now: freeing the file's bytes before the activations are allocated
    /// keeps the peak down as well.
    private func packed() { if releaseWhenPacked { model.bytes.release() } }

    /// Builds now the runtime for scores (`pooling` nil) or for embeddings pooled so, so that anything
    /// XNNPACK refuses surfaces at load time. `releasingModel` then frees the model file's bytes
    /// (lookoutd's memory): the engine runs only as prepared afterwards.
    public func prepare(_ pooling: Pooling? = nil, releasingModel: Bool = false) throws {
        releaseWhenPacked = releasingModel
        defer { releaseWhenPacked = false }
        switch pooling {
        case nil: _ = try runtime(.scores, batch: 1)
        case .average?: _ = try runtime(.embedding, batch: 1)
        case .averageAndMax?: _ = try runtime(.featureMap, batch: 1)
        }
    }
}
