import CLinux
import COpenBLAS
import LookoutDigest
import Foundation
import LookoutEngine
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
            throw TrainingError("\(bundle): head.json: input.crop '\(cropName)' is neither 'none' nor 'center F' (0 < F ≤ 1)")
        }
        self.pooling = pooling ?? .average
    }
}

/// `head.json`: what a head bundle is, what it was trained on, and how well it did.
/// The weights sit beside it in `head.safetensors`: an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the little-endian float32 data
/// (https://huggingface.co/docs/safetensors), tensors `weight` [classes, features] and `bias` [classes].
public struct HeadManifest: Codable, Sendable {
    public struct BaseModel: Codable, Sendable { public var file: String; public var sha256: String }
    public struct Input: Codable, Sendable { public var width: Int; public var height: Int; public var crop: String; public var resize: String }
    public struct Weights: Codable, Sendable { public var file: String; public var sha256: String }
    public struct Metrics: Codable, Sendable {
        public var trainTop1: Double
        public var validationTop1: Double?
        public var validationTop5: Double?
        public var trainImages: Int
        public var validationImages: Int
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

    static let weightsFile = "head.safetensors"
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
            throw TrainingError("head has \(k) × \(weights.count / max(k, 1)) weights; the embedding has \(d) values")
        }
        var logits = bias
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(k), Int32(d), 1, weights, Int32(d), embedding, 1, 1, &logits, 1)
        let top = logits.max() ?? 0
        let exps = logits.map { exp($0 - top) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }

    // MARK: - files

    /// Loads `directory` and checks every part of it against itself and against the base model: the
    /// base model's name and sha256 (public, so only a guard against mix-ups), and structurally the
    /// embedding length (`baseEmbeddingSize`, the model's global-pool width, × the pooling's factor),
    /// the weights' shape, file name, digest and values. A hostile bundle gets an error, never a read
    /// past the weights.
    public static func load(_ directory: URL, baseModelSHA256: String, baseModelName: String, baseEmbeddingSize: Int?) throws -> Head {
        let name = directory.path
        let manifest: HeadManifest
        let json: [UInt8]
        do { json = try ImageDecoder.readFile(directory.appendingPathComponent("head.json").path, maxBytes: 64 << 20) } catch let error as ImageError {
            throw TrainingError("\(name): not a head bundle (head.json: \(error.cause))")
        }
        do { manifest = try decoder.decode(HeadManifest.self, from: Data(json)) } catch {
            throw TrainingError("\(name): not a head bundle (head.json: \(describe(error)))")
        }
        guard manifest.format == "lookout-head", manifest.version == 1 else {
            throw TrainingError("\(name): head.json: format \(manifest.format) version \(manifest.version) is not lookout-head version 1")
        }
        guard manifest.baseModel.sha256 == baseModelSHA256 else {
            throw TrainingError("\(name): head was trained on \(manifest.baseModel.file) (sha256 \(manifest.baseModel.sha256)), "
                                + "not \(baseModelName) (sha256 \(baseModelSHA256))")
        }
        let k = manifest.labels.count, d = manifest.embeddingSize
        guard k >= 1, Set(manifest.labels).count == k else {
            throw TrainingError("\(name): head.json: labels must be at least one and all different (\(k) given)")
        }
        let preprocessing = try Preprocessing(cropName: manifest.input.crop, pooling: manifest.pooling, bundle: name)
        guard let width = baseEmbeddingSize else {
            throw TrainingError("\(name): \(baseModelName) has no global pooling layer for a head to read")
        }
        let expected = preprocessing.pooling == .averageAndMax ? 2 * width : width
        guard d == expected else {
            throw TrainingError("\(name): head.json: embedding_size \(d) does not fit \(baseModelName), whose "
                                + "\(preprocessing.pooling.rawValue) embedding has \(expected) values")
        }
        let weightsName = manifest.weights.file
        guard !weightsName.isEmpty, weightsName != ".", weightsName != "..", !weightsName.contains("/"), !weightsName.contains("\0") else {
            throw TrainingError("\(name): head.json: weights.file must name a file inside the bundle")
        }
        let file = directory.appendingPathComponent(weightsName)
        let data: [UInt8]
        do { data = try ImageDecoder.readFile(file.path) } catch { throw TrainingError("\(error)") }
        guard SHA256.hash(data: data).hexString == manifest.weights.sha256 else {
            throw TrainingError("\(file.path): sha256 does not match head.json (incomplete or altered)")
        }
        let tensors = try SafeTensors.read(data, name: file.path)
        guard let w = tensors["weight"], w.shape == [k, d], let b = tensors["bias"], b.shape == [k] else {
            throw TrainingError("\(file.path): expected weight [\(k), \(d)] and bias [\(k)]")
        }
        guard w.values.allSatisfy(\.isFinite), b.values.allSatisfy(\.isFinite) else {
            throw TrainingError("\(file.path): weights that are not finite numbers")
        }
        return Head(manifest: manifest, weights: w.values, bias: b.values, preprocessing: preprocessing)
    }

    /// The files a bundle may hold: replacing a bundle removes these and nothing else.
    public static let bundleFiles: Set<String> = ["head.json", HeadManifest.weightsFile, "report.json", "report.html"]

    /// Refuses `output` unless it is absent or a head bundle (a folder of bundle files only, head.json
    /// among them), and when it is or would be inside `data`: whatever else is there is the user's.
    public static func checkOutput(_ output: URL, data: URL? = nil) throws {
        var info = stat()
        if lstat(output.path, &info) == 0 {
            let type = info.st_mode & S_IFMT
            guard type == S_IFDIR else {
                let what = type == S_IFLNK ? "a symbolic link" : type == S_IFREG ? "a file" : "not a folder"
                throw TrainingError("\(output.path): exists and is \(what), not a head bundle; nothing was changed")
            }
            let entries: [String]
            do { entries = try FileManager.default.contentsOfDirectory(atPath: output.path) } catch {
                throw TrainingError("\(output.path): cannot list (\(describe(error)))")
            }
            let foreign = entries.filter { name in
                var entry = stat()
                return !bundleFiles.contains(name) || lstat(output.appendingPathComponent(name).path, &entry) != 0
                    || entry.st_mode & S_IFMT != S_IFREG
            }.sorted()
            guard entries.contains("head.json"), foreign.isEmpty else {
                let holds = foreign.isEmpty ? "has no head.json" : "holds \(foreign.prefix(3).joined(separator: ", "))"
                    + (foreign.count > 3 ? " and \(foreign.count - 3) more" : "")
                throw TrainingError("\(output.path): exists and is not a head bundle (it \(holds)); nothing was changed")
            }
        } else if errno != ENOENT {
            throw TrainingError("\(output.path): \(String(cString: strerror(errno)))")
        }
        if let data, let folder = resolved(data) {
            let target = resolved(output) ?? output.standardized.path
            guard target != folder, !target.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/") else {
                throw TrainingError("\(output.path): is inside the dataset \(data.path); write the head elsewhere")
            }
        }
    }

    /// `url` with symbolic links and `..` resolved, also when its last parts do not exist yet.
    static func resolved(_ url: URL) -> String? {
        var existing = url.path, rest: [String] = []
        while true {
            if let real = realpath(existing, nil) {
                defer { free(real) }
                let base = URL(fileURLWithPath: String(cString: real))
                return rest.reversed().reduce(base) { $0.appendingPathComponent($1) }.standardized.path
            }
            let parent = (existing as NSString).deletingLastPathComponent
            guard errno == ENOENT, parent != existing, !parent.isEmpty else { return nil }
            rest.append((existing as NSString).lastPathComponent)
            existing = parent
        }
    }

    /// Writes the bundle (head.json, weights, and any `extras` such as reports) into a fresh staging
    /// folder beside `directory`, then swaps it in with one rename: readers see the old bundle or the
    /// new one. Only a head bundle is ever replaced (`checkOutput`), and of the old one only its
    /// bundle files are removed.
    public func write(to directory: URL, extras: [String: Data] = [:]) throws -> HeadManifest {
        precondition(extras.keys.allSatisfy(Self.bundleFiles.contains), "extras must be bundle files")
        try Self.checkOutput(directory)
        let fm = FileManager.default
        let parent = directory.deletingLastPathComponent()
        try? fm.createDirectory(at: parent, withIntermediateDirectories: true)
        var template = Array(parent.appendingPathComponent(".\(directory.lastPathComponent).partial-XXXXXX").path.utf8CString)
        guard let made = mkdtemp(&template) else {
            throw TrainingError("\(parent.path): cannot create the bundle (\(String(cString: strerror(errno))))")
        }
        let staging = URL(fileURLWithPath: String(cString: made))
        chmod(made, 0o755)  // mkdtemp's 0700 would keep lookoutd's user out of a bundle root installs
        var swapped = false
        defer {
            if swapped {
                // The old bundle: its files, then the folder if nothing else appeared in it meanwhile.
                for name in Self.bundleFiles { unlink(staging.appendingPathComponent(name).path) }
                rmdir(staging.path)
            } else {
                try? fm.removeItem(at: staging)
            }
        }

        let weightsData = Data(SafeTensors.write(["weight": (weights, [bias.count, weights.count / max(bias.count, 1)]),
                                                  "bias": (bias, [bias.count])]))
        var manifest = self.manifest
        manifest.weights = .init(file: HeadManifest.weightsFile, sha256: SHA256.hash(data: weightsData).hexString)
        try AtomicFile.write(weightsData, to: staging.appendingPathComponent(HeadManifest.weightsFile))
        for (name, data) in extras { try AtomicFile.write(data, to: staging.appendingPathComponent(name)) }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(manifest), to: staging.appendingPathComponent("head.json"))

        try Self.checkOutput(directory)
        if fm.fileExists(atPath: directory.path) {
            guard clinux_exchange_paths(staging.path, directory.path) == 0 else {
                throw TrainingError("\(directory.path): cannot replace (\(String(cString: strerror(errno))))")
            }
            swapped = true
        } else {
            guard rename(staging.path, directory.path) == 0 else {
                throw TrainingError("\(directory.path): cannot create (\(String(cString: strerror(errno))))")
            }
        }
        AtomicFile.syncDirectory(parent)
        return manifest
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}

func describe(_ error: Error) -> String {
    if let posix = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError), posix.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(posix.code)))
    }
    if case DecodingError.keyNotFound(let key, _) = error { return "missing \(key.stringValue)" }
    if error is DecodingError { return "malformed JSON" }
    return (error as NSError).localizedDescription
}

/// The safetensors container, float32 tensors only.
enum SafeTensors {
    struct Entry: Codable { var dtype: String; var shape: [Int]; var data_offsets: [Int] }

    static func write(_ tensors: [String: (values: [Float], shape: [Int])]) -> [UInt8] {
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

    static func read(_ bytes: [UInt8], name: String) throws -> [String: (values: [Float], shape: [Int])] {
        guard bytes.count >= 8 else { throw TrainingError("\(name): too short for safetensors") }
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard length > 0, length <= bytes.count - 8 else { throw TrainingError("\(name): bad safetensors header length") }
        let header: [String: Entry]
        do { header = try JSONDecoder().decode([String: Entry].self, from: Data(bytes[8..<8 + length])) } catch {
            throw TrainingError("\(name): malformed safetensors header")
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
                throw TrainingError("\(name): tensor \(tensor) does not fit the file")
            }
            let start = data.startIndex + range[0]
            out[tensor] = (bytes[start..<start + count * 4].withUnsafeBytes { raw in
                (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }, entry.shape)
        }
        return out
    }
}
