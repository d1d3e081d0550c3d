import Foundation
import LookoutClock

/// What the classifier takes from the slot: a frame, or an idle tick while frames have stopped coming.
public enum Arrival: Sendable {
    case frame(Frame)
    case idle
}

/// The one-frame buffer between a source and the classifier. It keeps only the newest frame, so
/// classification never sees a stale frame and frames never queue; a frame replaced before it was
/// taken is counted as dropped, as is one the classifier could not decode. A camera puts frames
/// from its capture thread; a source whose every frame must be classified makes one only when
/// the classifier asks (`demand`). While no frame comes (a stalled camera), `tick` hands the classifier an idle
/// arrival, so heartbeats go on.
public final class FrameSlot: @unchecked Sendable {
    // Every stored property is guarded by `lock`; continuations are resumed outside it.
    private let lock = NSLock()
    private let clock: TimeSource
    private let liveness: Liveness?
    private var pending: Frame?
    private var demanding: CheckedContinuation<Void, Never>?
    private var consumer: CheckedContinuation<Arrival?, Error>?
    private var end: Error??
    private var closed = false
    private var droppedCount: UInt64 = 0
    private var lastFrameAt: Double

    public init(clock: TimeSource, liveness: Liveness? = nil) {
        (self.clock, self.liveness, lastFrameAt) = (clock, liveness, clock.monotonicSeconds())
    }

    /// Frames replaced before they were taken, and frames that could not be used.
    public var dropped: UInt64 { lock.withLock { droppedCount } }

    /// Seconds since the last frame arrived.
    public func sinceFrame(now: Double) -> Double { lock.withLock { now - lastFrameAt } }

    /// True once the classifier has stopped taking frames: the source should stop.
    public var isClosed: Bool { lock.withLock { closed } }

    /// True while the classifier waits for a frame.
    var isWaited: Bool { lock.withLock { consumer != nil } }

    /// Counts a frame that was taken but could not be used (it does not decode).
    public func countDropped() { lock.withLock { droppedCount += 1 } }

    /// Puts `frame` in the slot, replacing (and counting) a frame still waiting there.
    public func put(_ frame: Frame) {
        liveness?.frameArrived()
        let waiting = lock.withLock { () -> CheckedContinuation<Arrival?, Error>? in
            guard !closed else { return nil }
            lastFrameAt = clock.monotonicSeconds()
            if let consumer {
                self.consumer = nil
                return consumer
            }
            if pending != nil { droppedCount += 1 }
            pending = frame
            return nil
        }
        waiting?.resume(returning: .frame(frame))
    }

    /// Returns once the classifier waits for a frame (or the slot is closed): for a source that
    /// makes a frame only when one is wanted, so none is ever replaced.
    public func demand() async {
        await withCheckedContinuation { (wanted: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { () -> Bool in
                if consumer != nil || closed { return true }
                demanding = wanted
                return false
            }
            if now { wanted.resume() }
        }
    }

    /// The source has no more frames (`error`: it failed): the classifier ends after the last one.
    public func finish(throwing error: Error? = nil) {
        let waiting = lock.withLock { () -> CheckedContinuation<Arrival?, Error>? in
            guard end == nil else { return nil }
            end = .some(error)
            defer { consumer = nil }
            return consumer
        }
        if let error { waiting?.resume(throwing: error) } else { waiting?.resume(returning: nil) }
    }

    /// The classifier stops taking frames: a waiting source is released, later frames are ignored.
    public func close() {
        let (wanted, waiting) = lock.withLock { () -> (CheckedContinuation<Void, Never>?, CheckedContinuation<Arrival?, Error>?) in
            closed = true
            pending = nil
            defer { (demanding, consumer) = (nil, nil) }
            return (demanding, consumer)
        }
        wanted?.resume()
        waiting?.resume(returning: nil)
    }

    /// An idle arrival for a waiting classifier when no frame has come for `seconds`.
    public func tick(idleAfter seconds: Double) {
        let waiting = lock.withLock { () -> CheckedContinuation<Arrival?, Error>? in
            guard clock.monotonicSeconds() - lastFrameAt >= seconds else { return nil }
            defer { consumer = nil }
            return consumer
        }
        waiting?.resume(returning: .idle)
    }

    /// The next frame (or idle tick); nil once the source has finished or the slot is closed or
    /// the task cancelled (a shutdown).
    public func next() async throws -> Arrival? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Arrival?, Error>) in
                enum Ready { case arrival(Arrival?), failed(Error), wait(CheckedContinuation<Void, Never>?) }
                let ready = lock.withLock { () -> Ready in
                    if closed || Task.isCancelled { return .arrival(nil) }
                    if let frame = pending {
                        pending = nil
                        return .arrival(.frame(frame))
                    }
                    if let end { return end.map { .failed($0) } ?? .arrival(nil) }
                    consumer = continuation
                    defer { demanding = nil }
                    return .wait(demanding)
                }
                switch ready {
                case .arrival(let arrival): continuation.resume(returning: arrival)
                case .failed(let error): continuation.resume(throwing: error)
                case .wait(let wanted): wanted?.resume()
                }
            }
        } onCancel: {
            let waiting = lock.withLock { () -> CheckedContinuation<Arrival?, Error>? in
                defer { consumer = nil }
                return consumer
            }
            waiting?.resume(returning: nil)
        }
    }
}
