import CLinux
import Foundation
import LookoutClassifier
import LookoutDigest
import LookoutFiles

/// Writing head bundles: only ever over a head bundle, swapped in whole.
extension Head {
    /// The files a bundle may hold: replacing a bundle removes these and nothing else.
    public static let bundleFiles: Set<String> = ["head.json", HeadManifest.weightsFile, "report.json", "report.html"]

    /// Refuses `output` unless it is absent or a head bundle (a folder of bundle files only, head.json
    /// among them), and when it is or would be inside `data`: whatever else is there is the user's.
    public static func checkOutput(_ output: URL, data: URL? = nil) throws {
        var info = stat()
        if lstat(output.path, &info) == 0 {
            let type = info.st_mode & S_IFMT
            guard type == S_IFDIR else {
                let what = type == S_IFLNK ? "a symbolic link" : type == S_IFREG ? "a file" : "not a folder"
                throw TrainingError("\(output.path): exists and is \(what), not a head bundle; nothing was changed")
            }
            let entries: [String]
            do { entries = try FileManager.default.contentsOfDirectory(atPath: output.path) } catch {
                throw TrainingError("\(output.path): cannot list (\(describe(error)))")
            }
            let foreign = entries.filter { name in
                var entry = stat()
                return !bundleFiles.contains(name) || lstat(output.appendingPathComponent(name).path, &entry) != 0
                    || entry.st_mode & S_IFMT != S_IFREG
            }.sorted()
            guard entries.contains("head.json"), foreign.isEmpty else {
                let holds = foreign.isEmpty ? "has no head.json" : "holds \(foreign.prefix(3).joined(separator: ", "))"
                    + (foreign.count > 3 ? " and \(foreign.count - 3) more" : "")
                throw TrainingError("\(output.path): exists and is not a head bundle (it \(holds)); nothing was changed")
            }
        } else if errno != ENOENT {
            throw TrainingError("\(output.path): \(String(cString: strerror(errno)))")
        }
        if let data, let folder = resolved(data) {
            let target = resolved(output) ?? output.standardized.path
            guard target != folder, !target.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/") else {
                throw TrainingError("\(output.path): is inside the dataset \(data.path); write the head elsewhere")
            }
        }
    }

    /// `url` with symbolic links and `..` resolved, also when its last parts do not exist yet.
    static func resolved(_ url: URL) -> String? {
        var existing = url.path, rest: [String] = []
        while true {
            if let real = realpath(existing, nil) {
                defer { free(real) }
                let base = URL(fileURLWithPath: String(cString: real))
                return rest.reversed().reduce(base) { $0.appendingPathComponent($1) }.standardized.path
            }
            let parent = (existing as NSString).deletingLastPathComponent
            guard errno == ENOENT, parent != existing, !parent.isEmpty else { return nil }
            rest.append((existing as NSString).lastPathComponent)
            existing = parent
        }
    }

    /// Writes the bundle (head.json, weights, and any `extras` such as reports) into a fresh staging
    /// folder beside `directory`, then swaps it in with one rename: readers see the old bundle or the
    /// new one. Only a head bundle is ever replaced (`checkOutput`), and of the old one only its
    /// bundle files are removed.
    public func write(to directory: URL, extras: [String: Data] = [:]) throws -> HeadManifest {
        precondition(extras.keys.allSatisfy(Self.bundleFiles.contains), "extras must be bundle files")
        try Self.checkOutput(directory)
        let fm = FileManager.default
        let parent = directory.deletingLastPathComponent()
        try? fm.createDirectory(at: parent, withIntermediateDirectories: true)
        var template = Array(parent.appendingPathComponent(".\(directory.lastPathComponent).partial-XXXXXX").path.utf8CString)
        guard let made = mkdtemp(&template) else {
            throw TrainingError("\(parent.path): cannot create the bundle (\(String(cString: strerror(errno))))")
        }
        let staging = URL(fileURLWithPath: String(cString: made))
        chmod(made, 0o755)  // mkdtemp's 0700 would keep lookoutd's user out of a bundle root installs
        var swapped = false
        defer {
            if swapped {
                // The old bundle: its files, then the folder if nothing else appeared in it meanwhile.
                for name in Self.bundleFiles { unlink(staging.appendingPathComponent(name).path) }
                rmdir(staging.path)
            } else {
                try? fm.removeItem(at: staging)
            }
        }

        let weightsData = Data(SafeTensors.write(["weight": (weights, [bias.count, weights.count / max(bias.count, 1)]),
                                                  "bias": (bias, [bias.count])]))
        var manifest = self.manifest
        manifest.weights = .init(file: HeadManifest.weightsFile, sha256: SHA256.hash(data: weightsData).hexString)
        try AtomicFile.write(weightsData, to: staging.appendingPathComponent(HeadManifest.weightsFile))
        for (name, data) in extras { try AtomicFile.write(data, to: staging.appendingPathComponent(name)) }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(manifest), to: staging.appendingPathComponent("head.json"))

        try Self.checkOutput(directory)
        if fm.fileExists(atPath: directory.path) {
            guard clinux_exchange_paths(staging.path, directory.path) == 0 else {
                throw TrainingError("\(directory.path): cannot replace (\(String(cString: strerror(errno))))")
            }
            swapped = true
        } else {
            guard rename(staging.path, directory.path) == 0 else {
                throw TrainingError("\(directory.path): cannot create (\(String(cString: strerror(errno))))")
            }
        }
        AtomicFile.syncDirectory(parent)
        return manifest
    }
}
