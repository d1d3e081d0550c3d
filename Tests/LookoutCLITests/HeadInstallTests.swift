import Foundation
import LookoutTestSupport
import XCTest

/// `lookout head install` writes only into a heads folder no one else may write, held open: a folder
/// others may write or a link in its place is refused in one line, and a link planted where the
/// head goes is replaced, never followed.
final class HeadInstallTests: XCTestCase {
    var scratch: URL!
    let model = "mobilenet_v1_0.25_128_quant"

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-head-install-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    /// A real head bundle: two Caltech-101 labels, a few images each.
    func bundle() throws -> URL {
        let source = try Fixtures.require(Fixtures.shared.appendingPathComponent("datasets/caltech101"))
        let data = scratch.appendingPathComponent("data")
        for label in ["airplanes", "Motorbikes"] {
            try FileManager.default.createDirectory(at: data.appendingPathComponent(label), withIntermediateDirectories: true)
            for file in try FileManager.default.contentsOfDirectory(atPath: source.appendingPathComponent(label).path).sorted().prefix(4) {
                try FileManager.default.copyItem(at: source.appendingPathComponent("\(label)/\(file)"), to: data.appendingPathComponent("\(label)/\(file)"))
            }
        }
        let output = scratch.appendingPathComponent("garden")
        let run = try Run.executable("lookout", ["retrain", "--model", model, "--data", data.path, "--output", output.path,
                                                 "--cache", scratch.appendingPathComponent("cache").path, "--validation-percent", "0"])
        XCTAssertEqual(run.status, 0, run.stderr)
        return output
    }

    func install(_ bundle: URL, heads: URL) throws -> Run {
        try Run.executable("lookout", ["head", "install", bundle.path, "--model", model, "--heads", heads.path, "--no-reload"])
    }

    func testAPlantedLinkWhereTheHeadGoesIsRefusedNotFollowed() throws {
        let bundle = try bundle()
        let heads = scratch.appendingPathComponent("heads")
        try FileManager.default.createDirectory(at: heads, withIntermediateDirectories: true)
        // Someone's files elsewhere, and a link to them where the head is about to go.
        let elsewhere = scratch.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: elsewhere.appendingPathComponent("notes.txt"))
        try FileManager.default.createSymbolicLink(at: heads.appendingPathComponent("garden"), withDestinationURL: elsewhere)

        // Refused, as anything at the head's place that is not a head bundle is: neither followed nor replaced.
        let run = try install(bundle, heads: heads)
        XCTAssertNotEqual(run.status, 0, run.stdout)
        XCTAssertTrue(run.stderr.contains("\(heads.path)/garden: exists and is a symbolic link, not a head bundle"), run.stderr)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr)
        let installed = heads.appendingPathComponent("garden")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: installed.path), elsewhere.path, "the link is left alone")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path), ["notes.txt"], "nothing written through the link")
        XCTAssertEqual(try String(contentsOf: elsewhere.appendingPathComponent("notes.txt"), encoding: .utf8), "mine")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: heads.path).sorted(), ["garden"], "no staging, no current")
    }

    func testAHeadsFolderOthersMayWriteOrALinkIsRefused() throws {
        let bundle = try bundle()
        let open = scratch.appendingPathComponent("open")
        try FileManager.default.createDirectory(at: open, withIntermediateDirectories: true)
        chmod(open.path, 0o1777)
        let refused = try install(bundle, heads: open)
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("\(open.path): writable by others than its owner (mode 1777); refusing to write into it"), refused.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: open.path), [])

        let real = scratch.appendingPathComponent("real")
        try FileManager.default.createDirectory(at: real, withIntermediateDirectories: true)
        let link = scratch.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: real)
        let linked = try install(bundle, heads: link)
        XCTAssertEqual(linked.status, 1)
        XCTAssertTrue(linked.stderr.contains("\(link.path): a symbolic link; refusing to write through it"), linked.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: real.path), [])
    }
}
