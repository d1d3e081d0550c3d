import Foundation
import LookoutClassifier
import LookoutTestSupport
import LookoutTraining
import XCTest

/// `retrain --output` replaces a head bundle and nothing else: a folder of the user's files, a file,
/// the dataset, a label folder or any path inside the dataset is refused before any work, in one
/// line naming the output, and left exactly as it was.
final class RetrainOutputTests: XCTestCase {
    var scratch: URL!
    var data: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-output-\(UUID().uuidString)")
        data = scratch.appendingPathComponent("data")
        for (label, photos) in [("cats", ["cat_train_0.png", "cat_test_0.png"]), ("hotdogs", ["hotdog_train_0.png", "hotdog_train_1.png"])] {
            try FileManager.default.createDirectory(at: data.appendingPathComponent(label), withIntermediateDirectories: true)
            for photo in photos { try FileManager.default.copyItem(at: Fixtures.photo(photo), to: data.appendingPathComponent("\(label)/\(photo)")) }
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    func retrain(to output: URL) throws {
        let model = try Fixtures.model("mobilenet_v1_0.25_128_quant.tflite")
        var options = RetrainOptions(model: model, modelSHA256: try Fixtures.sha256(model), data: data, output: output,
                                     cache: scratch.appendingPathComponent("cache"))
        options.validationPercent = 0
        final class Silent: ProgressSink { func begin(_: String, total: Int) {}; func update(_: Int) {}; func end() {} }
        _ = try Retrainer.run(options, progress: Silent())
    }

    /// Every file under `url` with its contents: what must not change.
    func snapshot(_ url: URL) -> [String: Data] {
        var files: [String: Data] = [:]
        if let data = try? Data(contentsOf: url) { files["."] = data }
        for case let name as String in FileManager.default.enumerator(atPath: url.path) ?? NSEnumerator() {
            files[name] = (try? Data(contentsOf: url.appendingPathComponent(name))) ?? Data("folder".utf8)
        }
        return files
    }

    func testOutputsThatAreNotHeadBundlesAreRefusedAndKept() throws {
        let documents = scratch.appendingPathComponent("documents")
        try FileManager.default.createDirectory(at: documents, withIntermediateDirectories: true)
        try Data("my thesis".utf8).write(to: documents.appendingPathComponent("thesis.txt"))
        let file = scratch.appendingPathComponent("notes.txt")
        try Data("shopping list".utf8).write(to: file)
        let lookalike = scratch.appendingPathComponent("lookalike")  // a bundle's files, and one more
        try CraftedHead(labels: ["a", "b"], embeddingSize: 512, baseModel: try Fixtures.model("mobilenet_v1_0.25_128_quant.tflite"))
            .write(to: lookalike)
        try Data("keep me".utf8).write(to: lookalike.appendingPathComponent("notes.md"))
        let link = scratch.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: documents)

        let cases: [(URL, String)] = [
            (documents, "exists and is not a head bundle (it holds thesis.txt); nothing was changed"),
            (file, "exists and is a file, not a head bundle; nothing was changed"),
            (lookalike, "exists and is not a head bundle (it holds notes.md); nothing was changed"),
            (link, "exists and is a symbolic link, not a head bundle; nothing was changed"),
            (data, "exists and is not a head bundle (it holds cats, hotdogs); nothing was changed"),
            (data.appendingPathComponent("cats"), "exists and is not a head bundle (it holds cat_test_0.png, cat_train_0.png); nothing was changed"),
            (data.appendingPathComponent("new-head"), "is inside the dataset \(data.path); write the head elsewhere"),
            (data.appendingPathComponent("cats/../../data/x/y"), "is inside the dataset \(data.path); write the head elsewhere"),
        ]
        let before = snapshot(scratch)
        for (output, message) in cases {
            XCTAssertThrowsError(try retrain(to: output), output.path) { error in
                XCTAssertEqual("\(error)", "\(output.path): \(message)")
            }
        }
        XCTAssertEqual(snapshot(scratch), before, "nothing was written, moved or deleted")
    }

    /// A head bundle is replaced in one swap, and of the old one only its bundle files go.
    func testAHeadBundleIsReplaced() throws {
        let output = scratch.appendingPathComponent("head")
        func inode() throws -> Int {
            try FileManager.default.attributesOfItem(atPath: output.appendingPathComponent("head.json").path)[.systemFileNumber] as! Int
        }
        try retrain(to: output)
        let first = try inode()
        try retrain(to: output)
        XCTAssertNotEqual(try inode(), first, "a new bundle")
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: output.path)), Head.bundleFiles)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: output.path)[.posixPermissions] as? Int, 0o755, "readable by lookoutd")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasPrefix(".") }, [],
                       "no staging folder left behind")
    }
}
