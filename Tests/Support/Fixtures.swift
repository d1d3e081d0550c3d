import Foundation

/// Where the tests find real data: the shared models (`LOOKOUT_MODEL_DIR`), and the reference outputs,
/// photos and datasets (`LOOKOUT_SHARED_DIR`, default `../shared` beside the package). Missing data is
/// an error that says how to get it, never a silent skip.
public enum Fixtures {
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var shared: URL {
        if let dir = ProcessInfo.processInfo.environment["LOOKOUT_SHARED_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }

    /// The environment for the programs under test, with `overrides` on top: this process's, the
    /// shared models, and no thermal zones (a hot CI host would otherwise slow or pause lookoutd).
    public static func environment(_ overrides: [String: String] = [:]) -> [String: String] {
        ProcessInfo.processInfo.environment
            .merging(["LOOKOUT_MODEL_DIR": models.path, "LOOKOUT_THERMAL_ROOT": "/nonexistent/lookout-tests"]) { $1 }
            .merging(overrides) { $1 }
    }

    public static var models: URL {
        if let dir = ProcessInfo.processInfo.environment["LOOKOUT_MODEL_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return shared.appendingPathComponent("models")
    }

    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    /// A file the test needs; throws (failing the test) with instructions when it is absent.
    public static func require(_ url: URL) throws -> URL {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw Missing(description: """
                missing test data \(url.path): set LOOKOUT_MODEL_DIR to a folder with the MobileNet V1 .tflite files \
                (e.g. `lookout model install mobilenet_v1_1.0_224`) and LOOKOUT_SHARED_DIR to the shared data folder
                """)
        }
        return url
    }

    /// sha256sum's digest of a file (computed apart from the code under test).
    public static func sha256(_ url: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: out, as: UTF8.self).prefix(64))
    }

    /// One of the package's programs, built beside the test bundle (any build folder or target
    /// triple: `swift build --scratch-path`, cross builds), else in `.build/debug`.
    public static func program(_ name: String) -> URL {
        let beside = Bundle.main.bundleURL.appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: beside.path) ? beside : packageRoot.appendingPathComponent(".build/debug/\(name)")
    }

    public static func model(_ name: String) throws -> URL { try require(models.appendingPathComponent(name)) }
    public static func photo(_ name: String) throws -> URL { try require(shared.appendingPathComponent("photos/\(name)")) }
    public static func referenceInput(_ name: String) throws -> URL {
        try require(shared.appendingPathComponent("reference/inputs/\(name)"))
    }

    /// `reference/litert_outputs.json`: model file → input file → outputs of LiteRT 2.3.
    public static func referenceOutputs() throws -> [String: ReferenceModel] {
        let data = try Data(contentsOf: require(shared.appendingPathComponent("reference/litert_outputs.json")))
        return try JSONDecoder().decode([String: ReferenceModel].self, from: data)
    }

    public struct ReferenceModel: Decodable {
        public struct Spec: Decodable { public let shape: [Int]; public let dtype: String }
        public struct Result: Decodable {
            public let top5: [Int]
            public let top5_scores: [Float]
            public let output: [Float]
            public let embedding: [Float]?
        }
        public let input: Spec
        public let output: Spec
        public let results: [String: Result]
    }

    /// Every model file the reference covers.
    public static let modelNames = [
        "mobilenet_v1_0.25_128_quant.tflite", "mobilenet_v1_0.5_160_quant.tflite",
        "mobilenet_v1_0.5_224_dequantized.tflite", "mobilenet_v1_0.75_192_quant.tflite",
        "mobilenet_v1_0.75_224.tflite", "mobilenet_v1_1.0_224.tflite",
        "mobilenet_v1_1.0_224_quant_embedding_extractor.tflite",
    ]
}

/// Runs one of the package's executables (built beside the test bundle) and captures what it prints.
public struct Run {
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public static func executable(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = Fixtures.program(name)
        process.arguments = arguments
        process.environment = Fixtures.environment(environment)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting, so a chatty child never blocks on a full pipe.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }
}

extension Fixtures {
    /// Writes a gzipped tar archive with exactly these member names (`../x`, `/x` included: Python's
    /// tarfile writes them as given, where GNU tar would strip them): a crafted archive.
    public static func tarball(_ members: [(name: String, data: Data)], at archive: URL) throws {
        let folder = archive.deletingLastPathComponent().appendingPathComponent(".members-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var script = "import io, tarfile, sys\nwith tarfile.open(sys.argv[1], 'w:gz') as t:\n"
        for (i, member) in members.enumerated() {
            try member.data.write(to: folder.appendingPathComponent("\(i)"))
            script += "    d = open(\(String(reflecting: folder.appendingPathComponent("\(i)").path)), 'rb').read()\n"
                + "    m = tarfile.TarInfo(\(String(reflecting: member.name))); m.size = len(d); t.addfile(m, io.BytesIO(d))\n"
        }
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", script, archive.path]
        try python.run()
        python.waitUntilExit()
        guard python.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
