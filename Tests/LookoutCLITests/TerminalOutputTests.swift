import Foundation
import LookoutTestSupport
import XCTest

/// Labels, file names and label folders are untrusted: in text output their control characters and
/// escape sequences come out escaped, never raw (JSON output escapes them by itself).
final class TerminalOutputTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-cli-terminal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    /// Hostile text: a colour change, a window-title change (OSC … BEL), a one-byte CSI (U+009B),
    /// a right-to-left override and a line break that would fake another output line.
    static let hostile = "\u{1B}[31mred\u{1B}]0;pwned\u{07}\u{9B}2J\u{202E}txt.exe\nfake 1.0000"

    /// Nothing but printable text, spaces and the line breaks the program itself prints.
    func assertPrintable(_ text: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let raw = text.unicodeScalars.filter {
            ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) || $0.value == 0x202E
        }
        XCTAssertTrue(raw.isEmpty, "\(what) prints raw controls \(raw.map { String($0.value, radix: 16) }): \(text.debugDescription)",
                      file: file, line: line)
        XCTAssertFalse(text.contains("\nfake 1.0000"), "\(what): a label or name made its own output line", file: file, line: line)
    }

    func testClassifyEscapesLabelsFileNamesAndErrors() throws {
        let model = try Fixtures.model("mobilenet_v1_0.25_128_quant.tflite")
        let labels = scratch.appendingPathComponent("labels.txt")
        try (0..<1001).map { "\(Self.hostile.replacingOccurrences(of: "\n", with: "\r"))\($0)" }.joined(separator: "\n")
            .write(to: labels, atomically: true, encoding: .utf8)
        let image = scratch.appendingPathComponent("cat\u{1B}[2K\u{0D}.png")
        try FileManager.default.copyItem(at: Fixtures.photo("cat.png"), to: image)
        let broken = scratch.appendingPathComponent("broken\u{1B}]0;x\u{07}\nfake 1.0000.jpg")
        try Data("not a picture".utf8).write(to: broken)
        let run = try Run.executable("lookout", ["classify", "--model", model.path, "--labels", labels.path, "--top", "3",
                                                 image.path, broken.path])
        XCTAssertEqual(run.status, 1, "one image fails: \(run.stderr)")
        assertPrintable(run.stdout, "classify's output")
        assertPrintable(run.stderr, "classify's error")
        XCTAssertEqual(run.stdout.split(separator: "\n").count, 4, run.stdout)
        XCTAssertTrue(run.stdout.contains("cat\\x1b[2K\\r.png"), run.stdout)
        XCTAssertTrue(run.stdout.contains("\\x1b[31mred\\x1b]0;pwned\\x07\\u{9b}2J\\u{202e}txt.exe\\rfake"), run.stdout)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("broken\\x1b]0;x\\x07\\nfake 1.0000.jpg"), run.stderr)

        // JSON keeps the label as it is (JSON escapes it).
        let json = try Run.executable("lookout", ["classify", "--model", model.path, "--labels", labels.path, "--top", "1",
                                                  "--json", image.path])
        XCTAssertEqual(json.status, 0, json.stderr)
        let line = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(line["image"] as? String, image.path)
        XCTAssertTrue(((line["top"] as? [[String: Any]])?.first?["label"] as? String ?? "").hasPrefix("\u{1B}[31mred"))
    }

    /// Label folders named with escape sequences: retrain's summary and eval's report show them escaped.
    func testRetrainAndEvalEscapeLabelFolders() throws {
        let source = try Fixtures.require(Fixtures.shared.appendingPathComponent("datasets/caltech101"))
        let data = scratch.appendingPathComponent("data")
        let names = ["plain", Self.hostile, "empty\u{1B}[8m"]
        for (name, from) in zip(names, ["airplanes", "Motorbikes", ""]) {
            let folder = data.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            guard !from.isEmpty else { continue }
            for file in try FileManager.default.contentsOfDirectory(atPath: source.appendingPathComponent(from).path).sorted().prefix(6) {
                try FileManager.default.copyItem(at: source.appendingPathComponent("\(from)/\(file)"), to: folder.appendingPathComponent(file))
            }
        }
        try Data("not a picture".utf8).write(to: data.appendingPathComponent("plain/bad\u{1B}[5m.jpg"))
        let model = try Fixtures.model("mobilenet_v1_0.25_128_quant.tflite")
        let output = scratch.appendingPathComponent("head\u{1B}[7m")
        let retrain = try Run.executable("lookout", ["retrain", "--model", model.path, "--data", data.path, "--output", output.path,
                                                     "--cache", scratch.appendingPathComponent("cache").path,
                                                     "--validation-percent", "0"])
        XCTAssertEqual(retrain.status, 0, retrain.stderr)
        assertPrintable(retrain.stdout, "retrain's summary")
        XCTAssertTrue(retrain.stdout.contains("head\\x1b[7m"), retrain.stdout)
        XCTAssertTrue(retrain.stdout.contains("bad\\x1b[5m.jpg"), retrain.stdout)
        XCTAssertTrue(retrain.stdout.contains("empty\\x1b[8m"), retrain.stdout)

        try FileManager.default.createDirectory(at: data.appendingPathComponent("unknown\u{1B}[1m"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.photo("owl.jpg"), to: data.appendingPathComponent("unknown\u{1B}[1m/owl.jpg"))
        let eval = try Run.executable("lookout", ["eval", "--model", model.path, "--head", output.path, "--data", data.path])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        assertPrintable(eval.stdout, "eval's report")
        XCTAssertTrue(eval.stdout.contains("unknown\\x1b[1m"), eval.stdout)
        XCTAssertTrue(eval.stdout.contains("\\x1b[31mred"), eval.stdout)
        XCTAssertTrue(eval.stdout.contains("bad\\x1b[5m.jpg"), eval.stdout)
    }
}
