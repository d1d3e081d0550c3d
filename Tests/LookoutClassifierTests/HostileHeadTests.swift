import Foundation
import LookoutTestSupport
@testable import LookoutClassifier
import XCTest

/// Head bundles are untrusted: every part is checked against the base model and against itself,
/// whatever the (public) base model sha256 says. Each crafted bundle is refused in one line that
/// names the bundle or file and the cause; none is read past.
final class HostileHeadTests: XCTestCase {
    var scratch: URL!
    var model: URL!
    let width = 256  // mobilenet_v1_0.25_128_quant's global pool

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-hostile-head-\(UUID().uuidString)")
        model = try Fixtures.model("mobilenet_v1_0.25_128_quant.tflite")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    func load(_ head: CraftedHead, _ name: String) throws -> Head {
        let folder = scratch.appendingPathComponent(name)
        try head.write(to: folder)
        return try Head.load(folder, baseModelSHA256: try Fixtures.sha256(model), baseModelName: model.lastPathComponent,
                             baseEmbeddingSize: width)
    }

    func refusal(_ head: CraftedHead, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        do {
            _ = try load(head, name)
            XCTFail("\(name) loaded", file: file, line: line)
            return ""
        } catch {
            XCTAssertFalse("\(error)".contains("\n"), "\(error)", file: file, line: line)
            XCTAssertTrue("\(error)".hasPrefix(scratch.appendingPathComponent(name).path), "\(error)", file: file, line: line)
            return "\(error)"
        }
    }

    func testACraftedHeadOfTheRightShapeLoadsAndScores() throws {
        let head = try load(CraftedHead(labels: ["a", "b", "c"], embeddingSize: 2 * width, baseModel: model), "good")
        let scores = try head.scores(for: [Float](repeating: 1, count: 2 * width))
        XCTAssertEqual(scores.count, 3)
        XCTAssertEqual(scores.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertThrowsError(try head.scores(for: [1])) { XCTAssertTrue("\($0)".contains("the embedding has 1 values"), "\($0)") }
    }

    /// The two the review found: weights consistent with head.json but not with the model. 100,000
    /// labels × 1 was a read past the weights (SIGSEGV), 4 × 1 gave -nan scores.
    func testAnEmbeddingSizeTheModelDoesNotHaveIsRefused() throws {
        for (labels, size) in [(100_000, 1), (4, 1), (4, width)] {
            var head = CraftedHead(labels: (0..<labels).map { "label \($0)" }, embeddingSize: size, baseModel: model)
            head.pooling = "average+max"
            XCTAssertTrue(try refusal(head, "\(labels)x\(size)").hasSuffix(
                "head.json: embedding_size \(size) does not fit mobilenet_v1_0.25_128_quant.tflite, whose average+max embedding has 512 values"))
        }
        var average = CraftedHead(labels: ["a", "b"], embeddingSize: 2 * width, baseModel: model)
        average.pooling = "average"
        XCTAssertTrue(try refusal(average, "average").contains("whose average embedding has 256 values"))
    }

    func testWeightsThatDoNotFitTheirLabelsAreRefused() throws {
        var head = CraftedHead(labels: ["a", "b"], embeddingSize: 2 * width, baseModel: model)
        head.weightShape = [3, 2 * width]
        head.weights = [Float](repeating: 0, count: 3 * 2 * width)
        XCTAssertTrue(try refusal(head, "rows").hasSuffix("head.safetensors: expected weight [2, 512] and bias [2]"))
    }

    /// A shape whose element count overflows an Int trapped in the product.
    func testAShapeWhoseSizeOverflowsIsRefused() throws {
        for shape in [[Int.max / 2, 4], [1 << 32, 1 << 32, 2], [-1, -2 * width]] {
            var head = CraftedHead(labels: ["a", "b"], embeddingSize: 2 * width, baseModel: model)
            head.weightShape = shape
            XCTAssertTrue(try refusal(head, "shape").hasSuffix("head.safetensors: tensor weight does not fit the file"))
        }
    }

    /// weights.file is a name inside the bundle: never a path out of it.
    func testAWeightsFileOutsideTheBundleIsRefused() throws {
        for name in ["../head.safetensors", "/etc/passwd", "..", ".", "", "sub/head.safetensors"] {
            var head = CraftedHead(labels: ["a", "b"], embeddingSize: 2 * width, baseModel: model)
            head.weightsFile = name
            XCTAssertTrue(try refusal(head, "escape").hasSuffix("head.json: weights.file must name a file inside the bundle"), name)
        }
    }

    func testNonFiniteWeightsAndRepeatedLabelsAreRefused() throws {
        var nan = CraftedHead(labels: ["a", "b"], embeddingSize: 2 * width, baseModel: model)
        nan.weights = [Float](repeating: .nan, count: 2 * 2 * width)
        XCTAssertTrue(try refusal(nan, "nan").hasSuffix("head.safetensors: weights that are not finite numbers"))
        // Found by the head fuzz target: finite weights near Float's limit overflowed a logit, and the
        // scores became NaN.
        var huge = CraftedHead(labels: ["a", "b"], embeddingSize: 2 * width, baseModel: model)
        var weights = [Float](repeating: 0.5, count: 2 * 2 * width)
        weights[7] = 2.8e38
        huge.weights = weights
        let overflow = try refusal(huge, "huge")
        XCTAssertTrue(overflow.hasSuffix("head.safetensors: a weight of 2.8e+38, beyond ±1000000 (scores would overflow)"), overflow)
        let twice = CraftedHead(labels: ["a", "a"], embeddingSize: 2 * width, baseModel: model)
        XCTAssertTrue(try refusal(twice, "twice").hasSuffix("labels must be at least one and all different (2 given)"))
    }

    /// head.json a FIFO: refused by its type, never opened to block.
    func testAHeadJSONThatIsAFIFOIsRefused() throws {
        let folder = scratch.appendingPathComponent("fifo")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        XCTAssertEqual(mkfifo(folder.appendingPathComponent("head.json").path, 0o600), 0)
        XCTAssertThrowsError(try Head.load(folder, baseModelSHA256: "", baseModelName: "", baseEmbeddingSize: width)) {
            XCTAssertEqual("\($0)", "\(folder.path): not a head bundle (head.json: a FIFO, not a regular file)")
        }
    }

    func testSafetensorsHeadersThatLieAreRefused() {
        let good = SafeTensors.write(["weight": ([1, 2, 3, 4], [2, 2])])
        func with(_ header: String) -> [UInt8] {
            withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian, Array.init) + Array(header.utf8) + good.suffix(16)
        }
        for header in [#"{"weight":{"dtype":"F32","shape":[9223372036854775807,2],"data_offsets":[0,16]}}"#,
                       #"{"weight":{"dtype":"F32","shape":[2,2],"data_offsets":[16,-9223372036854775808]}}"#,
                       #"{"weight":{"dtype":"F32","shape":[2,2],"data_offsets":[8,24]}}"#,
                       #"{"weight":{"dtype":"F32","shape":[-2,-2],"data_offsets":[0,16]}}"#] {
            XCTAssertThrowsError(try SafeTensors.read(with(header), name: "t.safetensors"), header) {
                XCTAssertEqual("\($0)", "t.safetensors: tensor weight does not fit the file")
            }
        }
        XCTAssertEqual(try SafeTensors.read(with(#"{"weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#), name: "t")["weight"]?.values,
                       [1, 2, 3, 4])
    }
}
