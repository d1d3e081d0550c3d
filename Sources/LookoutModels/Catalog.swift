import Foundation

/// A model `lookout model install` knows by name.
public struct KnownModel: Sendable {
    public let name: String
    public var file: String { name + ".tflite" }
    /// sha256 of the exact file Lookout's tests and reference outputs are pinned to.
    public let sha256: String
    /// The model's official download address, if it has one; a `.tgz` holds `file`.
    public let download: URL?
    /// sha256 of the download itself (the archive, or the file when it is the pinned one), checked
    /// before anything is extracted from it.
    public let downloadSHA256: String?

    public init(name: String, sha256: String, download: URL?, downloadSHA256: String?) {
        (self.name, self.sha256, self.download, self.downloadSHA256) = (name, sha256, download, downloadSHA256)
    }
}

public enum Catalog {
    static let coral = "https://github.com/google-coral/test_data/raw/master/"
    static let tensorflow = "https://storage.googleapis.com/download.tensorflow.org/models/mobilenet_v1_2018_02_22/"

    /// The MobileNet V1 family, float and uint8. `sha256`: the copies in Lookout's shared model folder.
    /// The two float archives' hashes are the ones published with them in Yocto/OpenEmbedded recipes
    /// (SRC_URI[…].sha256sum for mobilenet_v1_2018_02_22/*.tgz); the .tflite inside is the official
    /// export, not the shared copy, so it is trusted through its archive's hash.
    public static let models: [KnownModel] = [
        KnownModel(name: "mobilenet_v1_1.0_224",
                   sha256: "a5fd0643ab9ecbbc19c90e3fd6d2dd1ce89df3804fe8b3763bf468c6be78c74d",
                   download: URL(string: tensorflow + "mobilenet_v1_1.0_224.tgz"),
                   downloadSHA256: "1ccb74dbd9c5f7aea879120614e91617db9534bdfaa53dfea54b7c14162e126b"),
        KnownModel(name: "mobilenet_v1_0.75_224",
                   sha256: "b9bfd03c9b3be6294d951a8f1f1f78ecf2a6c6e1107d2b9e3b4b17e120aa4c04",
                   download: URL(string: tensorflow + "mobilenet_v1_0.75_224.tgz"),
                   downloadSHA256: "bf61b3ce7ca2d045bb35fa6ab9a68732e3531291266db4a8c7715227d7425657"),
        KnownModel(name: "mobilenet_v1_0.5_224_dequantized",
                   sha256: "66d94cebfd23edb1e8aeb41dff258aec58f2b868e4c460cea574c458c26a2981",
                   download: nil, downloadSHA256: nil),
        coralFile("mobilenet_v1_0.25_128_quant", sha256: "cb273c23ee76374b05b9583177e28aa19744858a7679c56a250e83d0333da785"),
        coralFile("mobilenet_v1_0.5_160_quant", sha256: "3cc6d2ca460abd2e0f699a6d0d2550c6b61c6e3b0e27a3616e384ea74cb86f43"),
        coralFile("mobilenet_v1_0.75_192_quant", sha256: "41daeb22fdcf947e0e5ec32373aa9df7c31f3ef45dbd0ef7b5940fbce3c20f6a"),
        coralFile("mobilenet_v1_1.0_224_quant_embedding_extractor", sha256: "f409ef4f73fcbb9667841965623c5c8524aac33d41b9bf5f3667161fb4a76319"),
    ]

    /// ImageNet labels with "background" first (1001 lines); the 1000-line file drops it.
    public static let labels = URL(string: "https://storage.googleapis.com/download.tensorflow.org/data/ImageNetLabels.txt")!
    /// No hash is published with it: this is the shared folder's imagenet_labels_1001.txt, the same
    /// 1001 lines ("background" first).
    public static let labelsSHA256 = "b8aaeb5630c62626a7d124a05c0e14230a7ffdd2136a31d0190a4fb71c1d82f1"

    /// A model Coral's test data publishes as the pinned .tflite itself: the download is the file.
    static func coralFile(_ name: String, sha256: String) -> KnownModel {
        KnownModel(name: name, sha256: sha256, download: URL(string: coral + name + ".tflite"), downloadSHA256: sha256)
    }

    /// Where a download is fetched from: its official address, or the same host and path under
    /// `LOOKOUT_MODEL_MIRROR` (http://mirror/storage.googleapis.com/…), for boards without Internet
    /// access or tests. Hashes are pinned either way, so a mirror cannot change what is installed.
    public static func address(_ url: URL, environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        guard let mirror = environment["LOOKOUT_MODEL_MIRROR"], !mirror.isEmpty, let host = url.host,
              let mirrored = URL(string: mirror.hasSuffix("/") ? mirror : mirror + "/") else { return url }
        return mirrored.appendingPathComponent(host + url.path)
    }

    public static func model(named name: String) -> KnownModel? {
        let stem = name.hasSuffix(".tflite") ? String(name.dropLast(7)) : name
        return models.first { $0.name == stem }
    }
}
