import Foundation
import LookoutClassifier
import LookoutTestSupport
@testable import LookoutTraining
import XCTest

/// A checkpoint of the embedding cache that cannot be saved is not swallowed: the run stops with
/// one error naming the cache file and the cause, instead of computing everything and losing it.
final class CheckpointTests: XCTestCase {
    func testAFailedCheckpointStopsTheRunNamingTheFileAndCause() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-checkpoint-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let model = try Fixtures.model("mobilenet_v1_0.25_128_quant.tflite")
        let extractor = try EmbeddingExtractor(modelURL: model, modelSHA256: "test", preprocessing: Preprocessing(crop: .standard, pooling: .average),
                                               workers: 2, cacheDirectory: scratch.appendingPathComponent("cache"))
        // The crafted obstacle: a folder where the cache file must go, so every save's rename fails.
        try FileManager.default.createDirectory(at: extractor.cache.file.appendingPathComponent("occupied"), withIntermediateDirectories: true)
        let photos = try ["cat.png", "owl.jpg", "hot_dog.jpg", "grace_hopper.png", "parrot.jpg", "pets.jpg", "bird.png", "dragonfly.png"]
            .map { try Fixtures.photo($0).path }
        let done = Counter()
        XCTAssertThrowsError(try extractor.run(photos, views: { _ in [.plain] }, progress: { n, _ in done.set(n) }, checkpointEvery: 2)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(extractor.cache.file.path), message)
            XCTAssertTrue(message.contains("Is a directory"), message)
            XCTAssertEqual(message.split(separator: "\n").count, 1, message)
        }
        XCTAssertLessThan(done.value, photos.count, "the run stopped at the failed checkpoint")
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        var value: Int { lock.withLock { n } }
        func set(_ value: Int) { lock.withLock { n = max(n, value) } }
    }
}
