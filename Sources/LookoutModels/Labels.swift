import Foundation

public struct StoreError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Class labels: one per line, line i names class i.
public enum Labels {
    public static func load(_ url: URL) throws -> [String] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw StoreError("\(url.path): cannot read labels (\(reason(error)))")
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

/// The cause of a Foundation I/O error in a few words (its POSIX reason when it has one).
func reason(_ error: Error) -> String {
    let ns = error as NSError
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
       let message = strerror(Int32(underlying.code)) {
        return String(cString: message)
    }
    return ns.localizedFailureReason ?? ns.localizedDescription
}
