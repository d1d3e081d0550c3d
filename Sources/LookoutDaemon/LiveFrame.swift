import Foundation
import LookoutClock
import LookoutFiles
import LookoutImaging
import LookoutLog

/// The live view's frame: the latest classified frame (the model's input, what the labels are
/// about) as `frame.jpg` beside `frame.json` (its top labels) in `live.path`, lookoutd's runtime
/// folder. Encoding costs CPU, so it happens only while someone watches: `lookout web` refreshes
/// the mtime of the `watching` marker there, and frames are written only while the marker is
/// fresher than `live.watch_seconds`, at most `live.max_rate` a second. When the marker goes stale
/// the frame is removed, so a frame on disk always means a watcher.
public final class LiveFrame: @unchecked Sendable {
    public struct Settings: Sendable, Equatable {
        public var path: String
        public var maxRate: Double
        public var watchSeconds: Double

        public init(path: String, maxRate: Double, watchSeconds: Double) {
            (self.path, self.maxRate, self.watchSeconds) = (path, maxRate, watchSeconds)
        }
    }

    public static let markerName = "watching", frameName = "frame.jpg", labelsName = "frame.json"

    public let settings: Settings
    let logger: Logger
    let folder: URL
    // The state below is guarded by `lock`, held for a whole offer: two writers would interleave
    // frame.json and frame.jpg.
    private let lock = NSLock()
    private var lastWritten = -Double.infinity
    private var written = false
    private var failing = false

    public init(settings: Settings, logger: Logger) {
        (self.settings, self.logger) = (settings, logger)
        folder = URL(fileURLWithPath: settings.path, isDirectory: true)
        // The marker exists, stale, and group-writable: the web unit (group lookout) may touch it
        // but may not create or replace anything in this folder.
        let fd = open(folder.appendingPathComponent(Self.markerName).path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o660)
        if fd >= 0 {
            var stale = [timespec(tv_sec: 0, tv_nsec: 0), timespec(tv_sec: 0, tv_nsec: 0)]
            futimens(fd, &stale)
            fchmod(fd, 0o660)
            close(fd)
        } else if errno != EEXIST {
            logger.warning("live view: \(settings.path): cannot make the watch marker (\(String(cString: strerror(errno)))); no frames will be written")
        }
        remove()  // a frame left by an earlier run is no watcher's
    }

    /// Whether the marker was touched within `watchSeconds` (wall clock: the marker's mtime is).
    public func watched(now: Date = Date()) -> Bool {
        var info = stat()
        guard lstat(folder.appendingPathComponent(Self.markerName).path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        let age = now.timeIntervalSince1970 - (Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
        return age < settings.watchSeconds && age > -settings.watchSeconds
    }

    /// Called after each classification: writes the frame when watched and due, removes it when
    /// the watcher has gone. Failures are logged once and never stop classification.
    public func offer(_ image: RGBImage, top: [(label: String, score: Float)], frame: UInt64, capturedAt: Date,
                      now: Double = monotonicSeconds()) {
        lock.withLock { write(image, top: top, frame: frame, capturedAt: capturedAt, now: now) }
    }

    private func write(_ image: RGBImage, top: [(label: String, score: Float)], frame: UInt64, capturedAt: Date, now: Double) {
        guard now - lastWritten >= 1 / settings.maxRate else { return }
        lastWritten = now
        guard watched() else {
            if written { remove() }
            return
        }
        do {
            let jpeg = try JPEGEncoder.encode(image, quality: 85)
            let labels: [String: Any] = [
                "frame": frame, "captured_at": ISO8601DateFormatter().string(from: capturedAt),
                "top": top.map { ["label": $0.label, "score": Double($0.score)] },
            ]
            // The labels first: frame.json never describes an older frame than frame.jpg shows.
            try AtomicFile.write(try JSONSerialization.data(withJSONObject: labels, options: [.sortedKeys]),
                                 to: folder.appendingPathComponent(Self.labelsName))
            try AtomicFile.write(Data(jpeg), to: folder.appendingPathComponent(Self.frameName))
            written = true
            if failing { logger.notice("live view: writing frames into \(settings.path) again") }
            failing = false
        } catch {
            if !failing { logger.warning("live view: cannot write the frame into \(settings.path): \(error)") }
            failing = true
        }
    }

    private func remove() {
        unlink(folder.appendingPathComponent(Self.frameName).path)
        unlink(folder.appendingPathComponent(Self.labelsName).path)
        written = false
    }
}
