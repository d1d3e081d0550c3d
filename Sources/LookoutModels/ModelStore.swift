import LookoutDigest
import Foundation

/// Where models live: `LOOKOUT_MODEL_DIR` (when set) is searched first, then the store,
/// `/var/lib/lookout/models` for root and `~/.local/share/lookout/models` for others; others also
/// find the models root installed (the service's), after their own.
public struct ModelStore: Sendable {
    public let directory: URL
    public let searchPath: [URL]

    public init(directory: URL, searchPath: [URL]) {
        self.directory = directory
        self.searchPath = searchPath
    }

    public static let system = URL(fileURLWithPath: "/var/lib/lookout/models")

    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment,
                                userID: uid_t = getuid()) -> ModelStore {
        let store: URL
        var shared: [URL] = []
        if let explicit = environment["LOOKOUT_MODEL_STORE"], !explicit.isEmpty {
            store = URL(fileURLWithPath: explicit)
        } else if userID == 0 {
            store = system
        } else {
            let data = environment["XDG_DATA_HOME"].map { URL(fileURLWithPath: $0) }
                ?? URL(fileURLWithPath: NSHomeDirectory()).appendingPathComponent(".local/share")
            store = data.appendingPathComponent("lookout/models")
            shared = [system]
        }
        let dirs = (environment["LOOKOUT_MODEL_DIR"] ?? "").split(separator: ":").map { URL(fileURLWithPath: String($0)) }
        return ModelStore(directory: store, searchPath: dirs + [store] + shared)
    }

    /// A model given as a path (anything with a `/` or an existing file) or by name.
    public func resolve(_ nameOrPath: String) throws -> URL {
        if nameOrPath.contains("/") || FileManager.default.fileExists(atPath: nameOrPath) {
            return URL(fileURLWithPath: nameOrPath)
        }
        let file = nameOrPath.hasSuffix(".tflite") ? nameOrPath : nameOrPath + ".tflite"
        for dir in searchPath {
            let candidate = dir.appendingPathComponent(file)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        throw StoreError("model '\(nameOrPath)' not found in \(searchPath.map(\.path).joined(separator: ", ")); "
                         + "run `lookout model install \(nameOrPath)` or set LOOKOUT_MODEL_DIR")
    }

    /// Models in the search path: (file, folder).
    public func installed() -> [URL] {
        searchPath.flatMap { dir in
            ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
                .filter { $0.hasSuffix(".tflite") }.sorted().map { dir.appendingPathComponent($0) }
        }
    }

    /// Fetches `url` into a folder and returns the file: the CLI's downloader. It is passed in, so
    /// that lookoutd, which never downloads, does not link the networking stack (libcurl, TLS).
    public typealias Download = (_ url: URL, _ folder: URL) throws -> URL

    /// Installs a known model and its labels into the store, from `folder` or from the model's
    /// official address (with `download`). `verify` loads the candidate (the engine's check);
    /// nothing replaces an installed file until the new one has passed, and files are moved into
    /// place atomically.
    public func install(_ name: String, from folder: URL?, download: Download? = nil, verify: (URL) throws -> Int) throws -> URL {
        let download = download ?? { url, _ in throw StoreError("\(url.absoluteString): no downloader here; install with --from DIR") }
        guard let known = Catalog.model(named: name) else {
            throw StoreError("unknown model '\(name)'; known: \(Catalog.models.map(\.name).joined(separator: ", "))")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let staging = directory.appendingPathComponent(".install-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: staging) }

        let candidate = staging.appendingPathComponent(known.file)
        var pinned = true
        if let folder {
            try copy(folder.appendingPathComponent(known.file), to: candidate)
        } else {
            guard let url = known.download else {
                throw StoreError("\(known.name) has no official download address; install it with --from DIR")
            }
            pinned = known.downloadIsPinned
            let fetched = try download(url, staging)
            if url.pathExtension == "tgz" {
                try run("/bin/tar", ["-xzf", fetched.path, "-C", staging.path])
                guard FileManager.default.fileExists(atPath: candidate.path) else {
                    throw StoreError("\(url.absoluteString): archive has no \(known.file)")
                }
            } else {
                try FileManager.default.moveItem(at: fetched, to: candidate)
            }
        }
        if pinned {
            let digest = try sha256(of: candidate)
            guard digest == known.sha256 else {
                throw StoreError("\(known.file): sha256 \(digest) does not match the pinned \(known.sha256)")
            }
        }
        let classCount = try verify(candidate)

        // Labels are named by class count, so one file serves every model with that many classes.
        let labelsName = "imagenet_labels_\(classCount).txt"
        let labelsTarget = directory.appendingPathComponent(labelsName)
        let labelsCandidate = staging.appendingPathComponent(labelsName)
        if let folder, FileManager.default.fileExists(atPath: folder.appendingPathComponent(labelsName).path) {
            try copy(folder.appendingPathComponent(labelsName), to: labelsCandidate)
        } else if !FileManager.default.fileExists(atPath: labelsTarget.path) {
            guard folder == nil else { throw StoreError("\(folder!.path): no \(labelsName) for \(known.name)") }
            let all = try Labels.load(download(Catalog.labels, staging))
            let lines = classCount == all.count - 1 ? Array(all.dropFirst()) : all
            guard lines.count == classCount else {
                throw StoreError("\(Catalog.labels.absoluteString): \(all.count) labels for \(classCount) classes")
            }
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: labelsCandidate)
        }
        if FileManager.default.fileExists(atPath: labelsCandidate.path) {
            guard try Labels.load(labelsCandidate).count == classCount else {
                throw StoreError("\(labelsName): line count does not match the model's \(classCount) classes")
            }
            try replace(labelsTarget, with: labelsCandidate)
        }
        let target = directory.appendingPathComponent(known.file)
        try replace(target, with: candidate)
        return target
    }

    private func copy(_ source: URL, to target: URL) throws {
        do { try FileManager.default.copyItem(at: source, to: target) } catch {
            throw StoreError("\(source.path): cannot copy (\(reason(error)))")
        }
    }

    /// rename(2) within one folder: readers see the old file or the new one, never half of one.
    private func replace(_ target: URL, with source: URL) throws {
        guard rename(source.path, target.path) == 0 else {
            throw StoreError("\(target.path): cannot install (\(String(cString: strerror(errno))))")
        }
    }

    private func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw StoreError("\(tool) \(arguments.joined(separator: " ")) failed with status \(process.terminationStatus)")
        }
    }
}

/// Hex sha256 of a file, read in 1 MiB pieces so large files need little memory.
public func sha256(of url: URL) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: url.path) else {
        throw StoreError("\(url.path): cannot open (\(String(cString: strerror(errno))))")
    }
    defer { try? handle.close() }
    let hasher = SHA256()
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
    return hasher.finalize().hexString
}
