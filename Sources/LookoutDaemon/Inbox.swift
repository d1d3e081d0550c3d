import Foundation
import LookoutClock
import LookoutDigest
import LookoutEvents
import LookoutImaging
import LookoutLog
import LookoutFiles

/// The hard-example inbox: JPEG snapshots, with their scores in a sidecar JSON, of frames whose
/// top-1 score falls in an uncertain band and of frames that started an event, saved into
/// `PATH/<predicted label>/` to be sorted by hand and fed to `lookout retrain`. Rate-limited and
/// under a quota; a full disk stops the saving (said once) and never the daemon. The snapshot is
/// the model's input (the cropped, resized frame), which is what the head is trained on.
public final class Inbox: @unchecked Sendable {
    public struct Settings: Sendable, Equatable {
        public var path: String
        public var uncertain: Range<Float>
        public var onStarted: Bool
        public var minIntervalSeconds: Double
        public var maxBytes: Int

        public init(path: String, uncertain: Range<Float>, onStarted: Bool, minIntervalSeconds: Double, maxBytes: Int) {
            (self.path, self.uncertain, self.onStarted) = (path, uncertain, onStarted)
            (self.minIntervalSeconds, self.maxBytes) = (minIntervalSeconds, maxBytes)
        }
    }

    public enum Reason: String, Sendable { case started, uncertain }

    /// What became of a hard example.
    public enum Outcome: Sendable, Equatable {
        /// Saved: the JPEG's path.
        case saved(String)
        /// Within `minIntervalSeconds` of the last snapshot: thinned out by design.
        case rateLimited
        /// The inbox could not take it: quota reached, disk full, unwritable.
        case skipped

        public var path: String? { if case .saved(let path) = self { path } else { nil } }
    }

    public let settings: Settings
    let logger: Logger
    // `used`, `lastSaved` and `blocked` are guarded by `lock`: a save runs whole under it.
    private let lock = NSLock()
    private var used: Int
    private var lastSaved = -Double.infinity
    private var blocked: (reason: String, retryAt: Double)?

    public init(settings: Settings, logger: Logger) {
        (self.settings, self.logger) = (settings, logger)
        used = Self.size(of: settings.path)
    }

    /// Why to keep this classification, if at all.
    public func reason(top: [(label: String, score: Float)], started: Bool) -> Reason? {
        if started, settings.onStarted { return .started }
        if let score = top.first?.score, settings.uncertain.contains(score) { return .uncertain }
        return nil
    }

    /// Saves the snapshot and its sidecar (each stop and each recovery is logged once).
    public func save(_ image: RGBImage, reason: Reason, top: [(label: String, score: Float)], frame: UInt64,
                     capturedAt: Date, context: EventContext, now: Double = monotonicSeconds()) -> Outcome {
        lock.withLock { saveLocked(image, reason: reason, top: top, frame: frame, capturedAt: capturedAt, context: context, now: now) }
    }

    private func saveLocked(_ image: RGBImage, reason: Reason, top: [(label: String, score: Float)], frame: UInt64,
                            capturedAt: Date, context: EventContext, now: Double) -> Outcome {
        guard now - lastSaved >= settings.minIntervalSeconds else { return .rateLimited }
        guard let label = top.first?.label else { return .skipped }
        if let blocked {
            guard now >= blocked.retryAt else { return .skipped }
            used = Self.size(of: settings.path)  // space may have been freed meanwhile
        }
        let jpeg: [UInt8]
        do { jpeg = try JPEGEncoder.encode(image, quality: 90) } catch {
            logger.error("inbox: cannot encode a snapshot: \(error)")
            return .skipped
        }
        let sidecar: [String: Any] = [
            "reason": reason.rawValue, "frame": frame, "captured_at": ISO8601DateFormatter().string(from: capturedAt),
            "camera": context.camera, "model_sha256": context.modelSHA256, "head": context.head ?? NSNull(),
            "top": top.map { ["label": $0.label, "score": Double($0.score)] },
        ]
        guard let json = try? JSONSerialization.data(withJSONObject: sidecar, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return .skipped
        }
        guard used + jpeg.count + json.count <= settings.maxBytes else {
            block("inbox: \(settings.path) reached its quota of \(settings.maxBytes / 1_000_000) MB; "
                  + "not saving snapshots until some are sorted away", now: now)
            return .skipped
        }
        let folder = URL(fileURLWithPath: settings.path).appendingPathComponent(Self.folderName(for: label))
        let stamp = ISO8601DateFormatter().string(from: capturedAt).replacingOccurrences(of: ":", with: "-")
        let file = folder.appendingPathComponent("\(stamp)-\(frame).jpg")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            // The sidecar first: a JPEG in the inbox always has its scores.
            try AtomicFile.write(json, to: file.deletingPathExtension().appendingPathExtension("json"))
            try AtomicFile.write(Data(jpeg), to: file)
        } catch {
            try? FileManager.default.removeItem(at: file.deletingPathExtension().appendingPathExtension("json"))
            block(Self.isDiskFull(error) ? "inbox: disk full at \(settings.path); not saving snapshots until space is freed"
                  : "inbox: cannot save into \(settings.path) (\(error)); not saving snapshots until it can", now: now)
            return .skipped
        }
        if blocked != nil {
            logger.notice("inbox: saving snapshots into \(settings.path) again")
            blocked = nil
        }
        used += jpeg.count + json.count
        lastSaved = now
        return .saved(file.path)
    }

    /// The folder a label's snapshots go to. Labels come from heads, which are untrusted: only letters,
    /// digits and a few marks are kept, a name never starts with a dot (no `.`, `..` or hidden folder)
    /// and stays short. A label that had to change gets `~` and a digest of itself, so two labels
    /// never share a folder (`~` is not kept, so no label keeps its name and looks like that).
    public static func folderName(for label: String) -> String {
        let kept = Set(" -_.,()'+&")
        var name = String(label.map { $0.isLetter || $0.isNumber || kept.contains($0) ? $0 : "_" })
        if name.hasPrefix(".") { name = "_" + name.dropFirst() }
        while name.utf8.count > 100 { name.removeLast() }
        guard name != label || name.isEmpty else { return name }
        return name + "~" + SHA256.hash(data: Array(label.utf8)).hexString.prefix(12)
    }

    /// Stops saving for a minute, saying why only when the saving was going until now.
    private func block(_ message: String, now: Double) {
        if blocked == nil { logger.warning("\(message)") }
        blocked = (message, now + 60)
    }

    /// ENOSPC or EDQUOT (the writer's errors carry strerror's text, not the code).
    static func isDiskFull(_ error: Error) -> Bool {
        [ENOSPC, EDQUOT].contains { "\(error)".contains(String(cString: strerror($0))) }
    }

    /// Bytes of the files under `path` (what the quota counts).
    public static func size(of path: String) -> Int {
        guard let files = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total = 0
        for case let file as String in files {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: "\(path)/\(file)"),
                  attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            total += attributes[.size] as? Int ?? 0
        }
        return total
    }
}
