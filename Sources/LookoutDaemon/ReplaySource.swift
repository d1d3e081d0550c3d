import Foundation
import LookoutFiles
import LookoutImaging
import LookoutClock

/// Replays a folder's JPEG and PNG images (sorted by name) at `fps`, as a camera without one, or
/// at fps 0 each as soon as the previous one is classified (to see what a recording would give).
/// Unreadable images are reported through `onSkip` and skipped; the replay goes on.
public struct ReplaySource: FrameSource {
    public let folder: URL
    public let fps: Double
    public let loop: Bool
    public let onSkip: @Sendable (String) -> Void
    public var name: String { folder.path }
    public var everyFrame: Bool { fps == 0 }

    public init(folder: URL, fps: Double, loop: Bool, onSkip: @escaping @Sendable (String) -> Void) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ConfigError("\(folder.path): replay folder does not exist")
        }
        (self.folder, self.fps, self.loop, self.onSkip) = (folder, fps, loop, onSkip)
    }

    public func capture(into slot: FrameSlot, clock: TimeSource) async throws {
        var replay = try Replay(source: self, clock: clock)
        if everyFrame {
            // Pulled: the next picture is read only when the pipeline asks for it.
            var skippedInARow = 0
            while !slot.isClosed, !Task.isCancelled {
                if skippedInARow == 0 { await slot.demand() }
                switch replay.next() {
                case .frame(let frame):
                    skippedInARow = 0
                    slot.put(frame)
                case .end: return
                case .skipped:
                    skippedInARow += 1
                    if skippedInARow >= replay.files.count {
                        throw ConfigError("\(folder.path): none of its pictures can be read")
                    }
                }
            }
            return
        }
        // One picture a tick: a bad one costs its tick, as a camera's bad frame would.
        var due = clock.monotonicSeconds()
        while !slot.isClosed {
            let wait = due - clock.monotonicSeconds()
            if wait > 0 { try await clock.sleep(seconds: wait) }
            due += 1 / fps
            switch replay.next() {
            case .frame(let frame): slot.put(frame)
            case .skipped: continue
            case .end: return
            }
        }
    }

    /// The folder's pictures in order, once or looped, as frames.
    private struct Replay {
        let source: ReplaySource
        let clock: TimeSource
        let files: [String]
        var position = 0
        var number: UInt64 = 0

        init(source: ReplaySource, clock: TimeSource) throws {
            (self.source, self.clock) = (source, clock)
            files = ((try? FileManager.default.contentsOfDirectory(atPath: source.folder.path)) ?? [])
                .filter { ["jpg", "jpeg", "png"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
            guard !files.isEmpty else { throw ConfigError("\(source.folder.path): no JPEG or PNG images to replay") }
        }

        enum Step { case frame(Frame), skipped, end }

        /// The next picture, or a skipped one (reported through onSkip), or the end.
        mutating func next() -> Step {
            if position == files.count {
                guard source.loop else { return .end }
                position = 0
            }
            let path = source.folder.appendingPathComponent(files[position]).path
            position += 1
            let captured = clock.monotonicSeconds(), wall = Date()
            do {
                // As an MJPEG camera's frames: the bytes now, decoded only when looked at (the
                // motion gate's thumbnail at the smallest DCT scale), so a picture that does not
                // decode is reported by the pipeline, as a corrupt camera frame is.
                let bytes = try RegularFile.read(path)
                number += 1
                return .frame(Frame(number: number, capturedAt: captured, wallClock: wall,
                                    thumbnail: { try ImageDecoder.greyThumbnail(of: bytes, name: path, side: MotionGate.side) },
                                    image: { try ImagePreprocessor.load(bytes, name: path, framing: $0) }))
            } catch {
                source.onSkip("\(error)")
                return .skipped
            }
        }
    }
}
