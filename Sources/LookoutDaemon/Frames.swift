import Foundation
import LookoutImaging

/// A captured frame, kept raw: its grey thumbnail (for the motion gate) and the model's input are
/// made only when asked. Most camera frames are replaced by newer ones before either is needed,
/// and a still scene needs only thumbnails.
public struct Frame: Sendable {
    public var number: UInt64
    /// Monotonic capture time in seconds (for durations and latency).
    public var capturedAt: Double
    /// Wall-clock capture time (for the events).
    public var wallClock: Date
    private let makeThumbnail: @Sendable () throws -> [UInt8]
    private let makeImage: @Sendable (Framing) throws -> RGBImage

    public init(number: UInt64, capturedAt: Double, wallClock: Date, thumbnail: @escaping @Sendable () throws -> [UInt8],
                image: @escaping @Sendable (Framing) throws -> RGBImage) {
        (self.number, self.capturedAt, self.wallClock, makeThumbnail, makeImage) = (number, capturedAt, wallClock, thumbnail, image)
    }

    /// A frame the source got but cannot use (a camera's short or malformed buffer): looking at it
    /// throws `error`, so the pipeline logs it and counts it as dropped, as one that does not decode.
    public static func unusable(number: UInt64, error: Error) -> Frame {
        Frame(number: number, capturedAt: monotonicSeconds(), wallClock: Date(), thumbnail: { throw error }, image: { _ in throw error })
    }

    /// A 32×32 grey thumbnail of the whole frame (`MotionGate.side`).
    public func thumbnail() throws -> [UInt8] { try makeThumbnail() }

    /// The model's input, framing.size square (a frame made before a reload may come at the old size).
    public func image(_ framing: Framing) throws -> RGBImage { try makeImage(framing) }
}

/// Where frames come from: a camera, or a folder replayed at a steady rate.
public protocol FrameSource: Sendable {
    /// Names the source in events and logs (a device path, a folder).
    var name: String { get }
    /// Frames in capture order; finishes when the source has no more. Frames come raw (a camera's
    /// buffer, a picture's bytes) and become the model's input only when classified, framed as the
    /// model and head of that moment want (a reload may change both).
    func frames() -> AsyncThrowingStream<Frame, Error>
    /// True when the source makes a frame only when the next one is asked for (a replay at
    /// `replay_fps: 0`): then every frame is classified, none dropped, whatever the machine's speed.
    var everyFrame: Bool { get }
}

extension FrameSource {
    public var everyFrame: Bool { false }
}

/// Monotonic seconds.
public func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

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

    public func frames() -> AsyncThrowingStream<Frame, Error> {
        if everyFrame {
            // Pulled: the next picture is read only when the pipeline asks for it.
            var replay: Replay?
            return AsyncThrowingStream(unfolding: { () throws -> Frame? in
                if replay == nil { replay = try Replay(source: self) }
                var skippedInARow = 0
                while true {
                    switch replay!.next() {
                    case .frame(let frame): return frame
                    case .end: return nil
                    case .skipped:
                        skippedInARow += 1
                        if skippedInARow >= replay!.files.count {
                            throw ConfigError("\(folder.path): none of its pictures can be read")
                        }
                    }
                }
            })
        }
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    // One picture a tick: a bad one costs its tick, as a camera's bad frame would.
                    var replay = try Replay(source: self)
                    var due = monotonicSeconds()
                    while !Task.isCancelled {
                        let wait = due - monotonicSeconds()
                        if wait > 0 { try? await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
                        due += 1 / fps
                        switch replay.next() {
                        case .frame(let frame): continuation.yield(frame)
                        case .skipped: continue
                        case .end: continuation.finish(); return
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The folder's pictures in order, once or looped, as frames.
    private struct Replay {
        let source: ReplaySource
        let files: [String]
        var position = 0
        var number: UInt64 = 0

        init(source: ReplaySource) throws {
            self.source = source
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
            let captured = monotonicSeconds(), wall = Date()
            do {
                // As an MJPEG camera's frames: the bytes now, decoded only when looked at (the
                // motion gate's thumbnail at the smallest DCT scale), so a picture that does not
                // decode is reported by the pipeline, as a corrupt camera frame is.
                let bytes = try ImageDecoder.readFile(path)
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
