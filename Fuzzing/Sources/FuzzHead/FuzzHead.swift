import Foundation
import FuzzSupport
import LookoutClassifier
import LookoutDigest
import LookoutEngine
import LookoutModels
import LookoutTraining

/// An input is head.json, a NUL byte, then the weights file. "WEIGHTS_SHA256" in head.json stands for
/// the weights' real sha256 (a fuzzer cannot forge a hash, so without this nothing would get past the
/// integrity check). The bundle is loaded against lookoutd's default base model and, when it loads,
/// scores that model's embedding, as lookoutd and `lookout classify --head` do.
let baseName = "mobilenet_v1_1.0_224.tflite"
let placeholder = Array("WEIGHTS_SHA256".utf8)

struct Base {
    let sha256: String
    let embeddingSize: Int
}

nonisolated(unsafe) var base: Base?

func loadBase() throws -> Base {
    let url = Shared.models.appendingPathComponent(baseName)
    let engine = try Engine(contentsOf: url)
    return Base(sha256: try sha256(of: url), embeddingSize: engine.embeddingSize ?? 0)
}

func replacing(_ bytes: [UInt8], _ target: [UInt8], with replacement: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [], i = 0
    while i < bytes.count {
        if i + target.count <= bytes.count, bytes[i..<i + target.count].elementsEqual(target) {
            out += replacement
            i += target.count
        } else {
            out.append(bytes[i])
            i += 1
        }
    }
    return out
}

func fuzz(_ input: [UInt8], base: Base) {
    let split = input.firstIndex(of: 0) ?? input.count
    let weights = Array(input[min(split + 1, input.count)...])
    let manifest = replacing(Array(input[..<split]), placeholder, with: Array(SHA256.hash(data: weights).hexString.utf8))
    let folder = Shared.scratch.appendingPathComponent("head")
    do {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(manifest).write(to: folder.appendingPathComponent("head.json"))
        try Data(weights).write(to: folder.appendingPathComponent("head.safetensors"))
        let head = try Head.load(folder, baseModelSHA256: base.sha256, baseModelName: baseName, baseEmbeddingSize: base.embeddingSize)
        // A head that loads must score the base model's embedding: refusing it then would be a check missed at load.
        let width = base.embeddingSize * (head.preprocessing.pooling == .averageAndMax ? 2 : 1)
        let scores: [Float]
        do { scores = try head.scores(for: (0..<width).map { Float($0 % 7) / 7 }) } catch {
            fatalError("\(baseName): a head that loaded refuses its embedding: \(error)")
        }
        precondition(scores.count == head.labels.count && scores.allSatisfy(\.isFinite), "a head that loaded gives scores \(scores.prefix(4))")
    } catch {}
}

/// A real bundle, written by the retrainer's own writer, with its hash replaced by the placeholder.
func seed(labels: [String], pooling: Pooling, base: Base) throws -> [UInt8] {
    let d = base.embeddingSize * (pooling == .averageAndMax ? 2 : 1), k = labels.count
    let json = """
        {"format": "lookout-head", "version": 1, "labels": \(String(decoding: try JSONEncoder().encode(labels), as: UTF8.self)),
         "base_model": {"file": "\(baseName)", "sha256": "\(base.sha256)"}, "embedding_size": \(d),
         "pooling": "\(pooling.rawValue)", "input": {"width": 224, "height": 224, "crop": "none", "resize": "bilinear"},
         "weights": {"file": "head.safetensors", "sha256": ""}, "training": {"epochs": "1"},
         "metrics": {"train_top1": 1, "validation_top1": 1, "validation_top5": 1, "train_images": 2, "validation_images": 1},
         "created": "2026-11-30T00:00:00Z", "lookout_version": "fuzz"}
        """
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    let manifest = try decoder.decode(HeadManifest.self, from: Data(json.utf8))
    var state: UInt32 = 1
    let weights = (0..<k * d).map { _ -> Float in state = state &* 1_664_525 &+ 1_013_904_223; return Float(state >> 8) / Float(1 << 24) - 0.5 }
    let head = Head(manifest: manifest, weights: weights, bias: (0..<k).map { Float($0) / 10 },
                    preprocessing: Preprocessing(crop: .none, pooling: pooling))
    let folder = Shared.scratch.appendingPathComponent("seed")
    let written = try head.write(to: folder)
    let manifestBytes = replacing(try Shared.read(folder.appendingPathComponent("head.json")),
                                  Array(written.weights.sha256.utf8), with: placeholder)
    return manifestBytes + [0] + (try Shared.read(folder.appendingPathComponent(written.weights.file)))
}

@_cdecl("FuzzHead_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzzMain(argc, argv, seeds: {
        let base = try loadBase()
        return [
            "head-average-max": try seed(labels: ["cat", "dog", "hotdog"], pooling: .averageAndMax, base: base),
            "head-average": try seed(labels: ["background", "person"], pooling: .average, base: base),
        ]
    }, { input in
        if base == nil { base = try? loadBase() }
        if let base { fuzz(input, base: base) }
    })
}
