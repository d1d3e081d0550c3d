import Foundation

/// A model `lookout model install` knows by name.
public struct KnownModel: Sendable {
    public let name: String
    public var file: String { name + ".tflite" }
    /// sha256 of the exact file Lookout's tests and reference outputs are pinned to.
    public let sha256: String
    /// The model's official download address, if it has one; a `.tgz` holds `file`.
    public let download: URL?
    /// Whether the download is the pinned file itself (else it is the official export of the same
    /// network, verified by loading it).
    public let downloadIsPinned: Bool
}

public enum Catalog {
    static let coral = "https://github.com/google-coral/test_data/raw/master/"
    static let tensorflow = "https://storage.googleapis.com/download.tensorflow.org/models/mobilenet_v1_2018_02_22/"

    /// The MobileNet V1 family, float and uint8 (hashes: the copies in Lookout's shared model folder).
    public static let models: [KnownModel] = [
        KnownModel(name: "mobilenet_v1_1.0_224",
                   sha256: "a5fd0643ab9ecbbc19c90e3fd6d2dd1ce89df3804fe8b3763bf468c6be78c74d",
                   download: URL(string: tensorflow + "mobilenet_v1_1.0_224.tgz"), downloadIsPinned: false),
        KnownModel(name: "mobilenet_v1_0.75_224",
                   sha256: "b9bfd03c9b3be6294d951a8f1f1f78ecf2a6c6e1107d2b9e3b4b17e120aa4c04",
                   download: URL(string: tensorflow + "mobilenet_v1_0.75_224.tgz"), downloadIsPinned: false),
        KnownModel(name: "mobilenet_v1_0.5_224_dequantized",
                   sha256: "66d94cebfd23edb1e8aeb41dff258aec58f2b868e4c460cea574c458c26a2981",
                   download: nil, downloadIsPinned: false),
        KnownModel(name: "mobilenet_v1_0.25_128_quant",
                   sha256: "cb273c23ee76374b05b9583177e28aa19744858a7679c56a250e83d0333da785",
                   download: URL(string: coral + "mobilenet_v1_0.25_128_quant.tflite"), downloadIsPinned: true),
        KnownModel(name: "mobilenet_v1_0.5_160_quant",
                   sha256: "3cc6d2ca460abd2e0f699a6d0d2550c6b61c6e3b0e27a3616e384ea74cb86f43",
                   download: URL(string: coral + "mobilenet_v1_0.5_160_quant.tflite"), downloadIsPinned: true),
        KnownModel(name: "mobilenet_v1_0.75_192_quant",
                   sha256: "41daeb22fdcf947e0e5ec32373aa9df7c31f3ef45dbd0ef7b5940fbce3c20f6a",
                   download: URL(string: coral + "mobilenet_v1_0.75_192_quant.tflite"), downloadIsPinned: true),
        KnownModel(name: "mobilenet_v1_1.0_224_quant_embedding_extractor",
                   sha256: "f409ef4f73fcbb9667841965623c5c8524aac33d41b9bf5f3667161fb4a76319",
                   download: URL(string: coral + "mobilenet_v1_1.0_224_quant_embedding_extractor.tflite"), downloadIsPinned: true),
    ]

    /// ImageNet labels with "background" first (1001 lines); the 1000-line file drops it.
    public static let labels = URL(string: "https://storage.googleapis.com/download.tensorflow.org/data/ImageNetLabels.txt")!

    public static func model(named name: String) -> KnownModel? {
        let stem = name.hasSuffix(".tflite") ? String(name.dropLast(7)) : name
        return models.first { $0.name == stem }
    }
}
