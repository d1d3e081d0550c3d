import Foundation
import LookoutTestSupport
import XCTest

/// `lookout model install` without --from, against a local HTTP server standing in for the official
/// addresses (LOOKOUT_MODEL_MIRROR): every download is checked against its pinned sha256 before
/// anything is taken from it; a tampered one is refused in one line and leaves nothing behind.
final class ModelDownloadTests: XCTestCase {
    var scratch: URL!, site: URL!, store: URL!
    var server: Process?
    var mirror = ""

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-download-\(UUID().uuidString)")
        (site, store) = (scratch.appendingPathComponent("site"), scratch.appendingPathComponent("store"))
        try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
        // python3's http.server on 127.0.0.1, on a port the kernel picks: its first line names it.
        let process = Process(), out = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", site.path]
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        server = process
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self)
        let port = try XCTUnwrap(text.range(of: #"port (\d+)"#, options: .regularExpression).map { text[$0].dropFirst(5) }, text)
        mirror = "http://127.0.0.1:\(port)"
    }

    override func tearDownWithError() throws {
        server?.terminate()
        server?.waitUntilExit()
        try? FileManager.default.removeItem(at: scratch)
    }

    /// Puts `data` where the mirror serves `url` (mirror/HOST/PATH).
    func serve(_ data: Data, as url: String) throws {
        let address = URL(string: url)!
        let file = site.appendingPathComponent(address.host! + address.path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
    }

    func install(_ name: String) throws -> Run {
        try Run.executable("lookout", ["model", "install", name],
                           environment: ["LOOKOUT_MODEL_STORE": store.path, "LOOKOUT_MODEL_DIR": "", "LOOKOUT_MODEL_MIRROR": mirror])
    }

    /// A refusal: one line naming the download and its pinned hash, and nothing left in the store.
    func assertRefused(_ run: Run, naming address: String, pinned: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(run.status, 1, file: file, line: line)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr, file: file, line: line)
        XCTAssertTrue(run.stderr.contains("\(address): sha256 "), run.stderr, file: file, line: line)
        XCTAssertTrue(run.stderr.contains("does not match the pinned \(pinned)"), run.stderr, file: file, line: line)
        XCTAssertEqual(storeContents(), [], file: file, line: line)
    }

    /// What the store holds, staging folders included (none may be left).
    func storeContents() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: store.path)) ?? []).sorted() }

    func testPinnedDownloadsInstallThroughTheRealDownloader() throws {
        try serve(Data(contentsOf: Fixtures.model("mobilenet_v1_0.25_128_quant.tflite")),
                  as: "https://github.com/google-coral/test_data/raw/master/mobilenet_v1_0.25_128_quant.tflite")
        try serve(Data(contentsOf: Fixtures.models.appendingPathComponent("imagenet_labels_1001.txt")),
                  as: "https://storage.googleapis.com/download.tensorflow.org/data/ImageNetLabels.txt")
        let run = try install("mobilenet_v1_0.25_128_quant")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(storeContents(), ["imagenet_labels_1001.txt", "mobilenet_v1_0.25_128_quant.tflite"])
    }

    func testATamperedModelOrLabelsDownloadIsRefusedAndLeavesNothing() throws {
        var model = try Data(contentsOf: Fixtures.model("mobilenet_v1_0.5_160_quant.tflite"))
        model[model.count / 2] ^= 0x01
        try serve(model, as: "https://github.com/google-coral/test_data/raw/master/mobilenet_v1_0.5_160_quant.tflite")
        assertRefused(try install("mobilenet_v1_0.5_160_quant"),
                      naming: "\(mirror)/github.com/google-coral/test_data/raw/master/mobilenet_v1_0.5_160_quant.tflite", pinned: "3cc6d2ca")

        // The model is right, its labels are not: nothing is installed either.
        try serve(Data(contentsOf: Fixtures.model("mobilenet_v1_0.25_128_quant.tflite")),
                  as: "https://github.com/google-coral/test_data/raw/master/mobilenet_v1_0.25_128_quant.tflite")
        try serve(Data(("background\n" + (1...1000).map { "label \($0)" }.joined(separator: "\n") + "\n").utf8),
                  as: "https://storage.googleapis.com/download.tensorflow.org/data/ImageNetLabels.txt")
        assertRefused(try install("mobilenet_v1_0.25_128_quant"),
                      naming: "\(mirror)/storage.googleapis.com/download.tensorflow.org/data/ImageNetLabels.txt", pinned: "b8aaeb56")
    }

    /// A tampered archive that would write outside the staging folder (a `../` member) and replace
    /// the model: refused on its hash, before tar ever reads it.
    func testATamperedArchiveIsRefusedBeforeExtraction() throws {
        let archive = scratch.appendingPathComponent("evil.tgz")
        try Fixtures.tarball([("mobilenet_v1_1.0_224.tflite", Data(contentsOf: Fixtures.model("mobilenet_v1_0.25_128_quant.tflite"))),
                              ("../escape.txt", Data("planted".utf8))], at: archive)
        try serve(Data(contentsOf: archive),
                  as: "https://storage.googleapis.com/download.tensorflow.org/models/mobilenet_v1_2018_02_22/mobilenet_v1_1.0_224.tgz")
        assertRefused(try install("mobilenet_v1_1.0_224"), naming: "\(mirror)/storage.googleapis.com/download.tensorflow.org/models/"
                      + "mobilenet_v1_2018_02_22/mobilenet_v1_1.0_224.tgz", pinned: "1ccb74dbd9c5")
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("escape.txt").path))
    }
}
