import Foundation

/// Writes a head bundle (head.json and head.safetensors) by hand, independently of the code that
/// reads it, so tests can make bundles `lookout retrain` never would: any labels, embedding size,
/// weight shape and values, weights file name.
public struct CraftedHead {
    public var labels: [String]
    public var embeddingSize: Int
    public var baseModel: URL
    public var pooling = "average+max"
    public var weightsFile = "head.safetensors"
    /// The shape head.safetensors declares for `weight` (default [labels, embeddingSize]).
    public var weightShape: [Int]?
    /// The values written (default: a small deterministic pattern of the declared size).
    public var weights: [Float]?

    public init(labels: [String], embeddingSize: Int, baseModel: URL) {
        (self.labels, self.embeddingSize, self.baseModel) = (labels, embeddingSize, baseModel)
    }

    public func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let shape = weightShape ?? [labels.count, embeddingSize]
        let values = weights ?? (0..<labels.count * embeddingSize).map { Float($0 % 7) * 0.01 - 0.03 }
        let bias = labels.indices.map { Float($0) * 0.1 }
        let header = """
            {"bias":{"dtype":"F32","shape":[\(bias.count)],"data_offsets":[0,\(4 * bias.count)]},\
            "weight":{"dtype":"F32","shape":\(shape),"data_offsets":[\(4 * bias.count),\(4 * (bias.count + values.count))]}}
            """
        var bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian, Array.init) + Array(header.utf8)
        for v in bias + values { bytes += withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) }
        let weightsURL = folder.appendingPathComponent("head.safetensors")
        try Data(bytes).write(to: weightsURL)
        let manifest: [String: Any] = [
            "format": "lookout-head", "version": 1, "labels": labels,
            "base_model": ["file": baseModel.lastPathComponent, "sha256": try Fixtures.sha256(baseModel)],
            "embedding_size": embeddingSize, "pooling": pooling,
            "input": ["width": 224, "height": 224, "crop": "none", "resize": "bilinear (PIL)"],
            "weights": ["file": weightsFile, "sha256": try Fixtures.sha256(weightsURL)],
            "training": [String: String](), "created": "2026-01-01T00:00:00Z", "lookout_version": "crafted",
            "metrics": ["train_top1": 1.0, "train_images": 0, "validation_images": 0],
        ]
        try JSONSerialization.data(withJSONObject: manifest).write(to: folder.appendingPathComponent("head.json"))
    }
}
