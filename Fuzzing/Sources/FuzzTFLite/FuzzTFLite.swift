import Foundation
import FuzzSupport
import LookoutEngine
import TFLite

/// An input is either a whole .tflite file ("TFL3" at byte 4), or a patch of a shared model: a byte
/// choosing the model, then (3-byte position, value) pairs, the positions counted over the model's
/// flatbuffer structure only (not its weights), so that small inputs reach every model, the 17 MB
/// float ones included.
struct SharedModel {
    let bytes: [UInt8]
    let structure: [Int]

    init(_ url: URL) throws {
        bytes = try Shared.read(url)
        let model = try Model(bytes: ModelBytes(Data(bytes)))
        var isData = [Bool](repeating: false, count: bytes.count)
        for range in model.buffers { for i in range { isData[i] = true } }
        structure = isData.indices.filter { !isData[$0] }
    }
}

nonisolated(unsafe) var models: [SharedModel] = []

func sharedModelFiles() throws -> [URL] {
    try FileManager.default.contentsOfDirectory(at: Shared.models, includingPropertiesForKeys: nil)
        .filter { $0.pathExtension == "tflite" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
}

func fuzz(_ input: [UInt8]) {
    var bytes: [UInt8]
    if input.count >= 8, input[4..<8].elementsEqual("TFL3".utf8) {
        bytes = input
    } else {
        guard !models.isEmpty else { return }
        var reader = ByteReader(input)
        let shared = models[reader.byte() % models.count]
        bytes = shared.bytes
        while reader.bytes.count >= 4 {
            let position = shared.structure[(reader.byte() | reader.byte() << 8 | reader.byte() << 16) % shared.structure.count]
            bytes[position] = UInt8(reader.byte())
        }
    }
    do {
        let engine = try Engine(model: try Model(bytes: ModelBytes(Data(bytes))))
        try engine.prepare()
        // Inference (host softmax, output shapes) on the models small enough to run at fuzzing speed.
        if bytes.count < 6_000_000, engine.input.pixelCount <= 224 * 224 * 3 {
            let pixels = [UInt8](repeating: 128, count: engine.input.pixelCount)
            _ = try engine.scores(for: pixels)
            if bytes.count < 2_000_000, engine.embeddingSize != nil {
                _ = try engine.embedding(for: pixels, pooling: .averageAndMax)
            }
        }
    } catch {}
}

@_cdecl("FuzzTFLite_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzzMain(argc, argv, seeds: {
        // The smaller real models whole, and one patch seed per shared model (no patches: the model as it is).
        var seeds: [String: [UInt8]] = [:]
        for (i, url) in try sharedModelFiles().enumerated() {
            if (try url.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0) < 1_500_000 {
                seeds[url.lastPathComponent] = try Shared.read(url)
            }
            seeds["patch-\(url.deletingPathExtension().lastPathComponent)"] = [UInt8(i)]
        }
        return seeds
    }, { input in
        if models.isEmpty { models = (try? sharedModelFiles().map(SharedModel.init)) ?? [] }
        fuzz(input)
    })
}
