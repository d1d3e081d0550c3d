import Foundation
import LookoutImaging
import LookoutClock

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
    public static func unusable(number: UInt64, capturedAt: Double, error: Error) -> Frame {
        Frame(number: number, capturedAt: capturedAt, wallClock: Date(), thumbnail: { throw error }, image: { _ in throw error })
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
    /// Hands frames over to `slot` in capture order until the source has no more (then returns),
    /// the slot is closed or the task cancelled. Frames come raw (a camera's buffer, a picture's
    /// bytes) and become the model's input only when classified, framed as the model and head of
    /// that moment want (a reload may change both). Capture times come from `clock`.
    func capture(into slot: FrameSlot, clock: TimeSource) async throws
}
