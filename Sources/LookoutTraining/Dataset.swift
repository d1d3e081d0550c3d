import Foundation

/// One image of a labelled folder.
public struct LabelledImage: Sendable, Equatable {
    /// `label/file`, relative to the dataset folder: what the split hashes and the report shows.
    public let relativePath: String
    public let path: String
    public let label: Int
    public let isValidation: Bool
}

/// A folder with one sub-folder per label, each holding JPEG and PNG images.
public struct Dataset: Sendable {
    public let root: URL
    public let labels: [String]
    public let images: [LabelledImage]
    /// Label folders with no image in them: reported, left out.
    public let emptyLabels: [String]

    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]

    /// `validationPercent` of the images go to validation, chosen per file by a hash of its relative
    /// path (and `seed`), so adding images never moves the old ones between train and validation.
    /// A label with a single image keeps it for training. `labels`, when given, fixes the label order
    /// (evaluation against a trained head); folders outside it are still listed, with label -1.
    public static func scan(_ root: URL, validationPercent: Int, seed: UInt64 = 0, labels fixed: [String]? = nil) throws -> Dataset {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TrainingError("\(root.path): not a folder")
        }
        let folders = try fm.contentsOfDirectory(atPath: root.path).filter { name in
            var dir: ObjCBool = false
            return !name.hasPrefix(".") && fm.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &dir) && dir.boolValue
        }.sorted()
        guard !folders.isEmpty else {
            throw TrainingError("\(root.path): no label folders (expected one sub-folder of images per label)")
        }
        var files: [String: [String]] = [:]
        for folder in folders {
            let entries = (try? fm.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)) ?? []
            files[folder] = entries.filter { imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
        }
        let labels = fixed ?? folders.filter { !(files[$0] ?? []).isEmpty }
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        var images: [LabelledImage] = []
        for folder in folders {
            let names = files[folder] ?? []
            for name in names {
                let relative = "\(folder)/\(name)"
                let validation = names.count > 1 && Int(splitHash(relative, seed: seed) % 100) < validationPercent
                images.append(LabelledImage(relativePath: relative, path: root.appendingPathComponent(relative).path,
                                            label: index[folder] ?? -1, isValidation: validation))
            }
        }
        guard !images.isEmpty else { throw TrainingError("\(root.path): no JPEG or PNG images in its label folders") }
        return Dataset(root: root, labels: labels, images: images,
                       emptyLabels: folders.filter { (files[$0] ?? []).isEmpty })
    }

    /// FNV-1a, 64-bit: stable across runs, machines and Swift versions (unlike `Hasher`).
    static func splitHash(_ text: String, seed: UInt64) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}
