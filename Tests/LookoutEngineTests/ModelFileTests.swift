import Foundation
import LookoutEngine
import LookoutTestSupport
import XCTest

/// The model file is read once: a model XNNPACK refuses is refused when prepared, and a file cut short
/// or rewritten after loading cannot fault the engine (it used to be mapped: SIGBUS).
final class ModelFileTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-model-file-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    func copy(_ name: String) throws -> URL {
        let url = scratch.appendingPathComponent(name)
        try FileManager.default.copyItem(at: Fixtures.model(name), to: url)
        return url
    }

    func testAFileTruncatedInPlaceAfterLoadingChangesNothing() throws {
        let name = "mobilenet_v1_0.25_128_quant.tflite"
        let pixels = [UInt8](repeating: 90, count: 128 * 128 * 3)
        let expected = try Engine(contentsOf: Fixtures.model(name)).scores(for: pixels)
        let file = try copy(name)
        // Cut before any runtime is built, …
        let unbuilt = try Engine(contentsOf: file)
        XCTAssertEqual(truncate(file.path, 100), 0)
        XCTAssertEqual(try unbuilt.scores(for: pixels), expected)
        XCTAssertEqual(try unbuilt.embedding(for: pixels).count, 256, "another runtime, from the bytes read at load")
        // … and after one was prepared and the bytes freed: it runs as prepared, and refuses anything else in a line.
        try FileManager.default.removeItem(at: file)
        let file2 = try copy(name)
        let prepared = try Engine(contentsOf: file2)
        try prepared.prepare(releasingModel: true)
        XCTAssertEqual(truncate(file2.path, 0), 0)
        XCTAssertEqual(try prepared.scores(for: pixels), expected)
        XCTAssertThrowsError(try prepared.embedding(for: pixels)) { error in
            XCTAssertTrue("\(error)".contains("weights were freed"), "\(error)")
        }
        XCTAssertThrowsError(try Engine(contentsOf: file2)) { XCTAssertTrue("\($0)".contains("0 bytes"), "\($0)") }
    }

    /// A valid model XNNPACK will not build (its convolution's requantization scale is out of range):
    /// `prepare` says so in one line, whatever the engine is prepared for, and running fails the same way.
    func testAModelXNNPACKRefusesIsRefusedWhenPrepared() throws {
        let file = scratch.appendingPathComponent("refused.tflite")
        try Data(TFLiteBuilder.xnnpackRefusedModel()).write(to: file)
        let engine = try Engine(contentsOf: file)
        for pooling: Pooling? in [nil, .average, .averageAndMax] {
            XCTAssertThrowsError(try engine.prepare(pooling, releasingModel: true)) { error in
                XCTAssertTrue("\(error)".hasPrefix("XNNPACK failed creating the runtime: "), "\(error)")
                XCTAssertFalse("\(error)".contains("\n"))
            }
        }
        XCTAssertThrowsError(try engine.scores(for: [UInt8](repeating: 0, count: engine.input.pixelCount)))
    }

    func testAFIFOOrDeviceIsNotAModel() throws {
        let fifo = scratch.appendingPathComponent("pipe.tflite")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        XCTAssertThrowsError(try Engine(contentsOf: fifo)) { XCTAssertEqual("\($0)", "cannot read: a FIFO, not a regular file") }
        XCTAssertThrowsError(try Engine(contentsOf: URL(fileURLWithPath: "/dev/zero"))) {
            XCTAssertEqual("\($0)", "cannot read: a device, not a regular file")
        }
    }
}
