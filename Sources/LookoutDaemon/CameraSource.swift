import Foundation
import LookoutClock
import LookoutCamera
import LookoutImaging

/// A V4L2 camera as a frame source that never gives up: a missing, busy, unplugged or silent camera
/// is reported once per change of state and retried with backoff (1 s doubling to 30 s; a missing
/// one as soon as its device node appears), and the format is negotiated afresh each time it comes back. Capture runs on its own thread, since
/// waiting for a frame blocks.
public struct CameraSource: FrameSource {
    public let device: String
    public let width: Int, height: Int, fps: Int
    /// A one-line report on each change of state ("streaming YUYV 640×480", "…: No such device; retrying (…)"),
    /// and whether the camera streams now.
    public let onState: @Sendable (_ state: String, _ streaming: Bool) -> Void
    public var name: String { device }

    public init(device: String, width: Int, height: Int, fps: Int,
                onState: @escaping @Sendable (_ state: String, _ streaming: Bool) -> Void) {
        (self.device, self.width, self.height, self.fps, self.onState) = (device, width, height, fps, onState)
    }

    public func capture(into slot: FrameSlot, clock: TimeSource) async throws {
        let stop = StopFlag()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (ended: CheckedContinuation<Void, Never>) in
                let thread = Thread { [self] in
                    run(into: slot, clock: clock, stop: stop)
                    ended.resume()
                }
                thread.name = "lookout-capture"
                thread.start()
            }
        } onCancel: {
            stop.set()
        }
    }

    /// The capture thread: frames into `slot` until `stop` is set or the slot closed.
    private func run(into slot: FrameSlot, clock: TimeSource, stop: StopFlag) {
        var backoff = 1.0, lastState = "", number: UInt64 = 0
        // A state is reported when it changes; an unplug (ENODEV) followed by the node's absence
        // (ENOENT) on the retries is one outage, reported once.
        func report(_ state: String, key: String? = nil, streaming: Bool) {
            if (key ?? state) != lastState { onState(state, streaming); lastState = key ?? state }
        }
        while !stop.isSet, !slot.isClosed {
            do {
                let camera = try V4L2Camera(path: device, width: width, height: height, fps: fps)
                report("\(device): streaming \(camera.format) \(camera.width)×\(camera.height)", streaming: true)
                backoff = 1
                while !stop.isSet, !slot.isClosed {
                    do {
                        let raw = try camera.nextFrame(timeout: 2)
                        let captured = clock.monotonicSeconds(), wall = Date()
                        number += 1
                        slot.put(Frame(number: number, capturedAt: captured, wallClock: wall,
                                       thumbnail: { try raw.thumbnail(side: MotionGate.side) }, image: { try raw.image($0) }))
                    } catch let error as CameraError where error.kind == .badFrame {
                        // Logged and counted as dropped by the pipeline, as a corrupt MJPEG frame is.
                        number += 1
                        slot.put(.unusable(number: number, capturedAt: clock.monotonicSeconds(), error: error))
                    }
                }
            } catch {
                let kind = (error as? CameraError)?.kind
                let absent = kind == .missing || kind == .unplugged
                report("\(error); retrying (1 s doubling to 30 s)", key: absent ? "absent" : nil, streaming: false)
                if kind == .missing {
                    // Back as soon as the device node reappears (a stat every 0.5 s costs nothing).
                    let deadline = clock.monotonicSeconds() + backoff
                    while !stop.isSet, clock.monotonicSeconds() < deadline {
                        stop.wait(seconds: 0.5)
                        if FileManager.default.fileExists(atPath: device) { break }
                    }
                } else {
                    stop.wait(seconds: backoff)
                }
                backoff = min(backoff * 2, 30)
            }
        }
    }

    /// Set once to stop the capture thread; its waits end early when it is set.
    final class StopFlag: @unchecked Sendable {
        private let condition = NSCondition()
        private var value = false

        var isSet: Bool { condition.withLock { value } }

        func set() {
            condition.withLock { value = true }
            condition.broadcast()
        }

        func wait(seconds: Double) {
            condition.withLock {
                let deadline = Date().addingTimeInterval(seconds)
                while !value, condition.wait(until: deadline) {}
            }
        }
    }
}
