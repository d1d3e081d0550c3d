import LookoutDigest
import Foundation
import LookoutFiles

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
    /// place atomically. Everything is staged inside the store (a folder only its owner may write,
    /// held open: `StoreFolder`) under an unpredictable name; a download's sha256 is checked before
    /// anything is taken from it, and from an archive only the model's own member is read.
    public func install(_ name: String, from folder: URL?, download: Download? = nil, verify: (URL) throws -> Int) throws -> URL {
        guard let known = Catalog.model(named: name) else {
            throw StoreError("unknown model '\(name)'; known: \(Catalog.models.map(\.name).joined(separator: ", "))")
        }
        return try install(known, from: folder, download: download, verify: verify)
    }

    public func install(_ known: KnownModel, from folder: URL?, download: Download? = nil, verify: (URL) throws -> Int) throws -> URL {
        let download = download ?? { url, _ in throw StoreError("\(url.absoluteString): no downloader here; install with --from DIR") }
        let store = try StoreFolder(directory)
        let staging = try store.makeStaging(prefix: "install")
        defer { try? FileManager.default.removeItem(at: staging) }

        let candidate = staging.appendingPathComponent(known.file)
        if let folder {
            try copy(folder.appendingPathComponent(known.file), to: candidate)
            try check(candidate, name: known.file, sha256: known.sha256)
        } else {
            guard let url = known.download, let pinned = known.downloadSHA256 else {
                throw StoreError("\(known.name) has no official download address; install it with --from DIR")
            }
            let fetched = try fetch(url, sha256: pinned, into: staging, download: download)
            if url.pathExtension == "tgz" {
                try extract(known.file, from: fetched, named: Catalog.address(url).absoluteString, to: staging)
            } else if fetched.lastPathComponent != known.file {
                try FileManager.default.moveItem(at: fetched, to: candidate)
            }
        }
        let classCount = try verify(candidate)

        // Labels are named by class count, so one file serves every model with that many classes.
        let labelsName = "imagenet_labels_\(classCount).txt"
        let labelsTarget = store.path.appendingPathComponent(labelsName)
        let labelsCandidate = staging.appendingPathComponent(labelsName)
        if let folder, FileManager.default.fileExists(atPath: folder.appendingPathComponent(labelsName).path) {
            try copy(folder.appendingPathComponent(labelsName), to: labelsCandidate)
        } else if !FileManager.default.fileExists(atPath: labelsTarget.path) {
            guard folder == nil else { throw StoreError("\(folder!.path): no \(labelsName) for \(known.name)") }
            let all = try Labels.load(fetch(Catalog.labels, sha256: Catalog.labelsSHA256, into: staging, download: download))
            let lines = classCount == all.count - 1 ? Array(all.dropFirst()) : all
            guard lines.count == classCount else {
                throw StoreError("\(Catalog.labels.absoluteString): \(all.count) labels for \(classCount) classes")
            }
            try AtomicFile.create(Data((lines.joined(separator: "\n") + "\n").utf8), in: staging, name: labelsName)
        }
        if FileManager.default.fileExists(atPath: labelsCandidate.path) {
            guard try Labels.load(labelsCandidate).count == classCount else {
                throw StoreError("\(labelsName): line count does not match the model's \(classCount) classes")
            }
            try replace(store.path.appendingPathComponent(labelsName), with: labelsCandidate, shown: directory.appendingPathComponent(labelsName))
        }
        let target = directory.appendingPathComponent(known.file)
        try replace(store.path.appendingPathComponent(known.file), with: candidate, shown: target)
        return target
    }

    /// Downloads `url` (or its mirror) into `staging` and checks it against `sha256` before anything reads it.
    private func fetch(_ url: URL, sha256 pinned: String, into staging: URL, download: Download) throws -> URL {
        let address = Catalog.address(url)
        let file = try download(address, staging)
        try check(file, name: address.absoluteString, sha256: pinned)
        return file
    }

    private func check(_ file: URL, name: String, sha256 pinned: String) throws {
        let digest = try sha256(of: file)
        guard digest == pinned else {
            throw StoreError("\(name): sha256 \(digest) does not match the pinned \(pinned) (corrupt or altered); nothing installed")
        }
    }

    /// Reads the one member `file` (at the top of the archive, or under `./`) out of a verified
    /// .tgz into `staging`. tar writes it to a pipe (-O), so nothing else in the archive is ever
    /// written anywhere; member names are checked first all the same.
    private func extract(_ file: String, from archive: URL, named name: String, to staging: URL) throws {
        let members = String(decoding: try run("/bin/tar", ["-tzf", "-"], input: archive), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        if let bad = members.first(where: { $0.hasPrefix("/") || $0.split(separator: "/").contains("..") }) {
            throw StoreError("\(name): archive member '\(bad)' points outside the archive; nothing installed")
        }
        guard let member = members.first(where: { $0 == file || $0 == "./" + file }) else {
            throw StoreError("\(name): archive has no \(file)")
        }
        try AtomicFile.create(try run("/bin/tar", ["-xzOf", "-", "--", member], input: archive), in: staging, name: file)
    }

    private func copy(_ source: URL, to target: URL) throws {
        do { try FileManager.default.copyItem(at: source, to: target) } catch {
            throw StoreError("\(source.path): cannot copy (\(FileError.reason(error)))")
        }
    }

    /// rename(2) within one folder: readers see the old file or the new one, never half of one.
    private func replace(_ target: URL, with source: URL, shown: URL) throws {
        guard rename(source.path, target.path) == 0 else {
            throw StoreError("\(shown.path): cannot install (\(String(cString: strerror(errno))))")
        }
    }

    /// Runs a tool on `input` (its stdin: the staging folder's path means nothing to another
    /// process) and returns what it printed; a failure is one line with its status.
    private func run(_ tool: String, _ arguments: [String], input: URL) throws -> Data {
        let process = Process(), output = Pipe()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw StoreError("\(tool) \(arguments.joined(separator: " ")) failed with status \(process.terminationStatus)")
        }
        return data
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
