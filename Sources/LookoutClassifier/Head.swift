import COpenBLAS
import LookoutDigest
import Foundation
import LookoutEngine
import LookoutFiles
import LookoutImaging

/// How a picture becomes the features a head is trained on; classifying with the head repeats it.
public struct Preprocessing: Sendable, Equatable {
    public var crop: CropMode
    public var pooling: Pooling

    public init(crop: CropMode, pooling: Pooling) { (self.crop, self.pooling) = (crop, pooling) }

    /// `lookout retrain`'s default. The whole picture, squashed to the square: Caltech-style photos
    /// (and camera frames) fill the frame with their subject, which the 87.5 % centre crop cuts into.
    /// Average and max pooling: a small object's strong local response survives. Chosen on three
    /// validation splits other than the default one (BENCHMARKS.md): 95.2 → 96.7 % mean top-1.
    public static let retrainDefault = Preprocessing(crop: .none, pooling: .averageAndMax)

    /// As head.json's `input.crop` spells it.
    public var cropName: String {
        switch crop {
        case .none: "none"
        case .center(let fraction): "center \(fraction)"
        }
    }

    /// Reads head.json's spelling back; bundles from before `pooling` existed used average pooling.
    init(cropName: String, pooling: Pooling?, bundle: String) throws {
        let words = cropName.split(separator: " ")
        if cropName == "none" {
            crop = .none
        } else if words.count == 2, words[0] == "center", let fraction = Double(words[1]), fraction > 0, fraction <= 1 {
            crop = .center(fraction: fraction)
        } else {
            throw ClassifierError("\(bundle): head.json: input.crop '\(cropName)' is neither 'none' nor 'center F' (0 < F ≤ 1)")
        }
        self.pooling = pooling ?? .average
    }
}

/// `head.json`: what a head bundle is, what it was trained on, and how well it did.
/// The weights sit beside it in `head.safetensors`: an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the little-endian float32 data
/// (https://huggingface.co/docs/safetensors), tensors `weight` [classes, features] and `bias` [classes].
public struct HeadManifest: Codable, Sendable {
    /// A file by name and content: the base model, the weights.
    public struct FileDigest: Codable, Sendable {
        public var file: String
        public var sha256: String
        package init(file: String, sha256: String) { (self.file, self.sha256) = (file, sha256) }
    }
    public typealias BaseModel = FileDigest
    public typealias Weights = FileDigest
    public struct Input: Codable, Sendable {
        public var width: Int
        public var height: Int
        public var crop: String
        public var resize: String
        package init(width: Int, height: Int, crop: String, resize: String) {
            (self.width, self.height, self.crop, self.resize) = (width, height, crop, resize)
        }
    }
    public struct Metrics: Codable, Sendable {
        public var trainTop1: Double
        public var validationTop1: Double?
        public var validationTop5: Double?
        public var trainImages: Int
        public var validationImages: Int
        package init(trainTop1: Double, validationTop1: Double?, validationTop5: Double?, trainImages: Int, validationImages: Int) {
            (self.trainTop1, self.validationTop1, self.validationTop5) = (trainTop1, validationTop1, validationTop5)
            (self.trainImages, self.validationImages) = (trainImages, validationImages)
        }
    }

    public var format = "lookout-head"
    public var version = 1
    public var labels: [String]
    public var baseModel: BaseModel
    public var embeddingSize: Int
    /// Absent in bundles from before it was recorded: those used `average`.
    public var pooling: Pooling?
    public var input: Input
    public var weights: Weights
    public var training: [String: String]
    public var metrics: Metrics
    public var created: String
    public var lookoutVersion: String

    public static let weightsFile = "head.safetensors"

    package init(labels: [String], baseModel: BaseModel, embeddingSize: Int, pooling: Pooling?, input: Input, weights: Weights,
                 training: [String: String], metrics: Metrics, created: String, lookoutVersion: String) {
        (self.labels, self.baseModel, self.embeddingSize, self.pooling, self.input) = (labels, baseModel, embeddingSize, pooling, input)
        (self.weights, self.training, self.metrics, self.created, self.lookoutVersion) = (weights, training, metrics, created, lookoutVersion)
    }
}

/// A trained head: class probabilities from an embedding.
public struct Head: Sendable {
    public let manifest: HeadManifest
    public let weights: [Float]
    public let bias: [Float]
    public let preprocessing: Preprocessing
    public var labels: [String] { manifest.labels }

    public init(manifest: HeadManifest, weights: [Float], bias: [Float], preprocessing: Preprocessing) {
        (self.manifest, self.weights, self.bias, self.preprocessing) = (manifest, weights, bias, preprocessing)
    }

    /// softmax(W·e + b). An embedding of another length than the weights' rows is refused, never read past.
    public func scores(for embedding: [Float]) throws -> [Float] {
        let k = bias.count, d = embedding.count
        guard k > 0, weights.count == k * d else {
            throw ClassifierError("head has \(k) × \(weights.count / max(k, 1)) weights; the embedding has \(d) values")
        }
        var logits = bias
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(k), Int32(d), 1, weights, Int32(d), embedding, 1, 1, &logits, 1)
        guard logits.allSatisfy(\.isFinite), let top = logits.max() else {
            throw ClassifierError("head: the embedding gives scores that are not finite numbers")
        }
        let exps = logits.map { exp($0 - top) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }

    // MARK: - reading a bundle

    /// A bundle's head.json alone (its labels, say), without the weights: read with a size limit,
    /// decoded, and its format checked.
    public static func manifest(of directory: URL) throws -> HeadManifest {
        let name = directory.path
        let manifest: HeadManifest
        let json: [UInt8]
        do { json = try RegularFile.read(directory.appendingPathComponent("head.json").path, maxBytes: 64 << 20) } catch let error as FileError {
            throw ClassifierError("\(name): not a head bundle (head.json: \(error.cause))")
        }
        do { manifest = try decoder.decode(HeadManifest.self, from: Data(json)) } catch {
            throw ClassifierError("\(name): not a head bundle (head.json: \(describe(error)))")
        }
        guard manifest.format == "lookout-head", manifest.version == 1 else {
            throw ClassifierError("\(name): head.json: format \(manifest.format) version \(manifest.version) is not lookout-head version 1")
        }
        return manifest
    }

    /// Loads `directory` and checks every part of it against itself and against the base model: the
    /// base model's name and sha256 (public, so only a guard against mix-ups), and structurally the
    /// embedding length (`baseEmbeddingSize`, the model's global-pool width, × the pooling's factor),
    /// the weights' shape, file name, digest and values. A hostile bundle gets an error, never a read
    /// past the weights.
    public static func load(_ directory: URL, baseModelSHA256: String, baseModelName: String, baseEmbeddingSize: Int?) throws -> Head {
        let name = directory.path
        let manifest = try manifest(of: directory)
        guard manifest.baseModel.sha256 == baseModelSHA256 else {
            throw ClassifierError("\(name): head was trained on \(manifest.baseModel.file) (sha256 \(manifest.baseModel.sha256)), "
                                + "not \(baseModelName) (sha256 \(baseModelSHA256))")
        }
        let k = manifest.labels.count, d = manifest.embeddingSize
        guard k >= 1, Set(manifest.labels).count == k else {
            throw ClassifierError("\(name): head.json: labels must be at least one and all different (\(k) given)")
        }
        let preprocessing = try Preprocessing(cropName: manifest.input.crop, pooling: manifest.pooling, bundle: name)
        guard let width = baseEmbeddingSize else {
            throw ClassifierError("\(name): \(baseModelName) has no global pooling layer for a head to read")
        }
        let expected = preprocessing.pooling == .averageAndMax ? 2 * width : width
        guard d == expected else {
            throw ClassifierError("\(name): head.json: embedding_size \(d) does not fit \(baseModelName), whose "
                                + "\(preprocessing.pooling.rawValue) embedding has \(expected) values")
        }
        let weightsName = manifest.weights.file
        guard !weightsName.isEmpty, weightsName != ".", weightsName != "..", !weightsName.contains("/"), !weightsName.contains("\0") else {
            throw ClassifierError("\(name): head.json: weights.file must name a file inside the bundle")
        }
        let file = directory.appendingPathComponent(weightsName)
        let data: [UInt8]
        do { data = try RegularFile.read(file.path) } catch { throw ClassifierError("\(error)") }
        guard SHA256.hash(data: data).hexString == manifest.weights.sha256 else {
            throw ClassifierError("\(file.path): sha256 does not match head.json (incomplete or altered)")
        }
        let tensors = try SafeTensors.read(data, name: file.path)
        guard let w = tensors["weight"], w.shape == [k, d], let b = tensors["bias"], b.shape == [k] else {
            throw ClassifierError("\(file.path): expected weight [\(k), \(d)] and bias [\(k)]")
        }
        guard w.values.allSatisfy(\.isFinite), b.values.allSatisfy(\.isFinite) else {
            throw ClassifierError("\(file.path): weights that are not finite numbers")
        }
        // A trained head's weights are a few units (L2-regularised, on features of at most 6);
        // ones near Float's limit make a logit overflow to infinity, and the softmax then NaN.
        let largest = max(w.values.lazy.map(abs).max() ?? 0, b.values.lazy.map(abs).max() ?? 0)
        guard largest <= maxWeight else {
            throw ClassifierError("\(file.path): a weight of \(largest), beyond ±\(Int(maxWeight)) (scores would overflow)")
        }
        return Head(manifest: manifest, weights: w.values, bias: b.values, preprocessing: preprocessing)
    }

    /// The largest weight or bias magnitude a head may have.
    static let maxWeight: Float = 1e6

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}

/// A JSON or I/O error in a few words (head.json's, a bundle folder's).
package func describe(_ error: Error) -> String {
    if case DecodingError.keyNotFound(let key, _) = error { return "missing \(key.stringValue)" }
    if error is DecodingError { return "malformed JSON" }
    return FileError.reason(error)
}

/// The safetensors container, float32 tensors only.
package enum SafeTensors {
    struct Entry: Codable { var dtype: String; var shape: [Int]; var data_offsets: [Int] }

    package static func write(_ tensors: [String: (values: [Float], shape: [Int])]) -> [UInt8] {
        var offset = 0
        var header: [String: Entry] = [:]
        let names = tensors.keys.sorted()
        for name in names {
            let bytes = tensors[name]!.values.count * 4
            header[name] = Entry(dtype: "F32", shape: tensors[name]!.shape, data_offsets: [offset, offset + bytes])
            offset += bytes
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var json = Array((try? encoder.encode(header)) ?? Data())
        while json.count % 8 != 0 { json.append(0x20) }  // pad with spaces so the data is 8-byte aligned
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out += $0 }
        out += json
        for name in names { tensors[name]!.values.withUnsafeBytes { out += $0 } }
        return out
    }

    package static func read(_ bytes: [UInt8], name: String) throws -> [String: (values: [Float], shape: [Int])] {
        guard bytes.count >= 8 else { throw ClassifierError("\(name): too short for safetensors") }
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard length > 0, length <= bytes.count - 8 else { throw ClassifierError("\(name): bad safetensors header length") }
        let header: [String: Entry]
        do { header = try JSONDecoder().decode([String: Entry].self, from: Data(bytes[8..<8 + length])) } catch {
            throw ClassifierError("\(name): malformed safetensors header")
        }
        let data = bytes[(8 + length)...]
        var out: [String: (values: [Float], shape: [Int])] = [:]
        for (tensor, entry) in header {
            let range = entry.data_offsets
            // Shapes are untrusted: a product that overflows is as wrong as one that does not fit.
            let count = entry.shape.reduce(Optional(1)) { product, dim in
                guard let product, dim >= 0 else { return nil }
                let (next, overflow) = product.multipliedReportingOverflow(by: dim)
                return overflow || next > data.count / 4 ? nil : next
            }
            guard entry.dtype == "F32", let count, range.count == 2, range[0] >= 0, range[1] >= range[0],
                  range[1] <= data.count, range[1] - range[0] == count * 4 else {
                throw ClassifierError("\(name): tensor \(tensor) does not fit the file")
            }
            let start = data.startIndex + range[0]
            out[tensor] = (bytes[start..<start + count * 4].withUnsafeBytes { raw in
                (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }, entry.shape)
        }
        return out
    }
}
