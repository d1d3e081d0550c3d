import Foundation
import LookoutTestSupport
import XCTest

final class ModelCommandTests: XCTestCase {
    func testInfoReportsSpecCostAndHash() throws {
        let run = try Run.executable("lookout", ["model", "info", "mobilenet_v1_1.0_224", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["sha256"] as? String, "a5fd0643ab9ecbbc19c90e3fd6d2dd1ce89df3804fe8b3763bf468c6be78c74d")
        let summary = try XCTUnwrap(json["summary"] as? [String: Any])
        let macs = try XCTUnwrap(summary["multiplyAccumulates"] as? Int)
        XCTAssertEqual(Double(macs), 569e6, accuracy: 6e6)
        XCTAssertEqual((summary["input"] as? [String: Any])?["shape"] as? [Int], [1, 224, 224, 3])
        XCTAssertEqual((summary["output"] as? [String: Any])?["shape"] as? [Int], [1, 1001])
    }

    func testBenchPrintsItsFigures() throws {
        let run = try Run.executable("lookout", ["bench", "--model", "mobilenet_v1_0.25_128_quant", "--runs", "5",
                                                 "--warmup", "1", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["runs"] as? Int, 5)
        XCTAssertEqual(json["threads"] as? Int, 1)
        let p10 = try XCTUnwrap(json["p10_ms"] as? Double), median = try XCTUnwrap(json["median_ms"] as? Double)
        let p90 = try XCTUnwrap(json["p90_ms"] as? Double)
        XCTAssertTrue(0 < p10 && p10 <= median && median <= p90, "\(p10) \(median) \(p90)")
    }

    func testInstallThenClassifyByName() throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: store) }
        // An empty LOOKOUT_MODEL_DIR leaves the store as the only place names are found.
        let env = ["LOOKOUT_MODEL_STORE": store.path, "LOOKOUT_MODEL_DIR": ""]
        let missing = try Run.executable("lookout", ["model", "info", "mobilenet_v1_0.5_160_quant"], environment: env)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("lookout model install mobilenet_v1_0.5_160_quant"), missing.stderr)
        let install = try Run.executable("lookout", ["model", "install", "mobilenet_v1_0.5_160_quant", "--from",
                                                     Fixtures.models.path], environment: env)
        XCTAssertEqual(install.status, 0, install.stderr)
        let list = try Run.executable("lookout", ["model", "list"], environment: env)
        XCTAssertTrue(list.stdout.contains(store.appendingPathComponent("mobilenet_v1_0.5_160_quant.tflite").path), list.stdout)
        let classify = try Run.executable("lookout", ["classify", "--model", "mobilenet_v1_0.5_160_quant",
                                                      try Fixtures.photo("hot_dog.jpg").path], environment: env)
        XCTAssertEqual(classify.status, 0, classify.stderr)
        XCTAssertTrue(classify.stdout.contains("hotdog"), classify.stdout)
    }
}
