import Foundation
import LookoutFiles

/// Class labels: one per line, line i names class i.
public enum Labels {
    public static func load(_ url: URL) throws -> [String] {
        let text: String
        do { text = try RegularFile.text(url.path) } catch let error as FileError {
            throw StoreError("\(url.path): cannot read labels (\(error.cause))")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.hasSuffix("\r") ? $0.dropLast() : $0)
        }
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// The labels file for a model with `classCount` outputs: `<model>.labels.txt` beside it,
    /// else `imagenet_labels_<classCount>.txt` in its folder.
    public static func file(besides model: URL, classCount: Int) -> URL? {
        let folder = model.deletingLastPathComponent()
        let candidates = [
            folder.appendingPathComponent(model.deletingPathExtension().lastPathComponent + ".labels.txt"),
            folder.appendingPathComponent("imagenet_labels_\(classCount).txt"),
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }
    }
}
