import Foundation
import LookoutEngine
import LookoutModels
import LookoutTestSupport
import XCTest

final class ModelStoreTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func store() -> ModelStore {
        ModelStore(directory: scratch.appendingPathComponent("store"), searchPath: [scratch.appendingPathComponent("store")])
    }

    /// The engine's load check, as `lookout model install` passes it.
    func verify(_ url: URL) throws -> Int { try Engine(contentsOf: url).classCount }

    func testInstallFromFolderVerifiesAndPlacesModelAndLabels() throws {
        let store = store()
        let installed = try store.install("mobilenet_v1_0.25_128_quant", from: Fixtures.models, verify: verify)
        XCTAssertEqual(installed.lastPathComponent, "mobilenet_v1_0.25_128_quant.tflite")
        XCTAssertEqual(try sha256(of: installed), Catalog.model(named: "mobilenet_v1_0.25_128_quant")!.sha256)
        XCTAssertEqual(try Labels.load(store.directory.appendingPathComponent("imagenet_labels_1001.txt")).count, 1001)
        XCTAssertEqual(try store.resolve("mobilenet_v1_0.25_128_quant"), installed)
        XCTAssertEqual(store.installed(), [installed])
        // Nothing but the model and its labels is left behind (no staging folders).
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.directory.path).sorted(),
                       ["imagenet_labels_1001.txt", "mobilenet_v1_0.25_128_quant.tflite"])
    }

    func testCorruptCopyIsRefusedAndLeavesTheInstalledModel() throws {
        let store = store()
        let good = try store.install("mobilenet_v1_0.5_160_quant", from: Fixtures.models, verify: verify)
        let bad = scratch.appendingPathComponent("bad")
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        var bytes = try Data(contentsOf: good)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: bad.appendingPathComponent("mobilenet_v1_0.5_160_quant.tflite"))
        XCTAssertThrowsError(try store.install("mobilenet_v1_0.5_160_quant", from: bad, verify: verify)) { error in
            XCTAssertTrue("\(error)".contains("does not match the pinned"), "\(error)")
        }
        XCTAssertEqual(try sha256(of: good), Catalog.model(named: "mobilenet_v1_0.5_160_quant")!.sha256)
    }

    func testUnknownAndMissingModelsAreClearErrors() throws {
        XCTAssertThrowsError(try store().install("resnet50", from: Fixtures.models, verify: verify)) { error in
            XCTAssertTrue("\(error)".contains("unknown model 'resnet50'"), "\(error)")
        }
        XCTAssertThrowsError(try store().install("mobilenet_v1_1.0_224", from: scratch, verify: verify)) { error in
            XCTAssertTrue("\(error)".contains("mobilenet_v1_1.0_224.tflite: cannot copy"), "\(error)")
        }
        XCTAssertThrowsError(try store().resolve("mobilenet_v1_1.0_224")) { error in
            XCTAssertTrue("\(error)".contains("lookout model install mobilenet_v1_1.0_224"), "\(error)")
        }
    }

    /// A downloader reading file:// addresses, the labels' official address from the shared folder.
    func localDownload(_ url: URL, _ folder: URL) throws -> URL {
        let source = url == Catalog.labels ? Fixtures.models.appendingPathComponent("imagenet_labels_1001.txt") : url
        let target = folder.appendingPathComponent(url.lastPathComponent)
        try FileManager.default.copyItem(at: source, to: target)
        return target
    }

    /// An archive pinned with its own hash (so it passes the hash check) whose members are crafted.
    func archived(_ members: [(name: String, data: Data)]) throws -> KnownModel {
        let archive = scratch.appendingPathComponent("crafted-\(UUID().uuidString).tgz")
        try Fixtures.tarball(members, at: archive)
        let known = try XCTUnwrap(Catalog.model(named: "mobilenet_v1_0.25_128_quant"))
        return KnownModel(name: known.name, sha256: known.sha256, download: archive, downloadSHA256: try sha256(of: archive))
    }

    func testArchiveMembersOutsideTheArchiveAreRefusedAndNothingIsWritten() throws {
        let model = try Data(contentsOf: Fixtures.model("mobilenet_v1_0.25_128_quant.tflite"))
        for bad in ["../escape.tflite", "/tmp/lookout-escape-\(UUID().uuidString)", "a/../../escape.tflite"] {
            let known = try archived([("mobilenet_v1_0.25_128_quant.tflite", model), (bad, Data("planted".utf8))])
            XCTAssertThrowsError(try store().install(known, from: nil, download: localDownload, verify: verify)) { error in
                XCTAssertEqual("\(error)", "\(known.download!.absoluteString): archive member '\(bad)' points outside the archive; nothing installed")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: bad))
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store().directory.path), [], "no staging folder left")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("escape.tflite").path))
    }

    /// From a good archive only the model's member is read (checkpoints and the rest are never written).
    func testOnlyTheModelsMemberIsTakenFromAnArchive() throws {
        let model = try Data(contentsOf: Fixtures.model("mobilenet_v1_0.25_128_quant.tflite"))
        let known = try archived([("./mobilenet_v1_0.25_128_quant.tflite", model), ("./model.ckpt.index", Data(count: 64)),
                                  ("./info.txt", Data("about".utf8))])
        let installed = try store().install(known, from: nil, download: localDownload, verify: verify)
        XCTAssertEqual(try sha256(of: installed), known.sha256)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store().directory.path).sorted(),
                       ["imagenet_labels_1001.txt", "mobilenet_v1_0.25_128_quant.tflite"])
    }

    /// Root writes into a store only when no one else may write it (owner root or the caller, no
    /// group or other write): a folder anyone may write is refused, naming it and why.
    func testAStoreOthersMayWriteIsRefused() throws {
        let open = scratch.appendingPathComponent("open")
        try FileManager.default.createDirectory(at: open, withIntermediateDirectories: true)
        chmod(open.path, 0o777)
        let store = ModelStore(directory: open, searchPath: [open])
        XCTAssertThrowsError(try store.install("mobilenet_v1_0.25_128_quant", from: Fixtures.models, verify: verify)) { error in
            XCTAssertEqual("\(error)", "\(open.path): writable by others than its owner (mode 777); refusing to write into it (chmod go-w first)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: open.path), [])
        let linked = scratch.appendingPathComponent("linked")
        try FileManager.default.createSymbolicLink(at: linked, withDestinationURL: Fixtures.models)
        XCTAssertThrowsError(try ModelStore(directory: linked, searchPath: []).install("mobilenet_v1_0.25_128_quant", from: Fixtures.models, verify: verify)) { error in
            XCTAssertEqual("\(error)", "\(linked.path): a symbolic link; refusing to write through it (name the folder itself)")
        }
    }

    func testSearchPathPutsModelDirBeforeTheStore() throws {
        let env = ["LOOKOUT_MODEL_DIR": Fixtures.models.path, "LOOKOUT_MODEL_STORE": scratch.path]
        let store = ModelStore.standard(environment: env)
        XCTAssertEqual(store.searchPath.map(\.path), [Fixtures.models.path, scratch.path])
        XCTAssertEqual(try store.resolve("mobilenet_v1_1.0_224").path,
                       Fixtures.models.appendingPathComponent("mobilenet_v1_1.0_224.tflite").path)
    }

    func testOthersFindTheModelsRootInstalledAfterTheirOwn() throws {
        let user = ModelStore.standard(environment: ["XDG_DATA_HOME": scratch.path], userID: 1000)
        XCTAssertEqual(user.directory.path, scratch.appendingPathComponent("lookout/models").path)
        XCTAssertEqual(user.searchPath.map(\.path), [user.directory.path, "/var/lib/lookout/models"])
        let root = ModelStore.standard(environment: [:], userID: 0)
        XCTAssertEqual(root.searchPath.map(\.path), ["/var/lib/lookout/models"])
    }

    func testLabelsBesideTheModelMatchTheClassCount() throws {
        let model = try Fixtures.model("mobilenet_v1_0.75_224.tflite")
        let labels = try XCTUnwrap(Labels.file(besides: model, classCount: 1000))
        XCTAssertEqual(try Labels.load(labels).first, "tench, Tinca tinca")
        XCTAssertEqual(try Labels.load(XCTUnwrap(Labels.file(besides: model, classCount: 1001))).first, "background")
    }

    /// A labels file that is a FIFO, or not UTF-8, is refused at once in one line naming it.
    func testFIFOAndBinaryLabelsAreRefused() throws {
        let fifo = scratch.appendingPathComponent("fifo.labels.txt")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        XCTAssertThrowsError(try Labels.load(fifo)) { error in
            XCTAssertEqual("\(error)", "\(fifo.path): cannot read labels (a FIFO, not a regular file)")
        }
        let binary = scratch.appendingPathComponent("binary.labels.txt")
        try Data([0x63, 0x61, 0x74, 0x0A, 0xFF, 0xFE]).write(to: binary)
        XCTAssertThrowsError(try Labels.load(binary)) { error in
            XCTAssertEqual("\(error)", "\(binary.path): cannot read labels (not UTF-8 text)")
        }
    }
}
