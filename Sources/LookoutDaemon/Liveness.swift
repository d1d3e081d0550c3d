import Foundation
import LookoutClock

/// Whether the pipeline is making progress, for the systemd watchdog: frames keep arriving (or
/// the camera is known to be away and being retried), and no classification is stuck. A wedged
/// camera or a stuck worker stops the pings, and systemd restarts the service.
public final class Liveness: @unchecked Sendable {
    private let lock = NSLock()
    private let clock: TimeSource
    private var lastFrame: Double
    private var sourceAway = false
    private var busySince: Double?

    public init(clock: TimeSource = SystemClock()) { (self.clock, lastFrame) = (clock, clock.monotonicSeconds()) }

    public func frameArrived() { lock.withLock { lastFrame = clock.monotonicSeconds() } }

    /// The source reports an outage it is retrying (true) or that it streams again (false).
    public func source(away: Bool) { lock.withLock { sourceAway = away; lastFrame = clock.monotonicSeconds() } }

    func classifying(_ busy: Bool) { lock.withLock { busySince = busy ? clock.monotonicSeconds() : nil } }

    /// True when, within the last `seconds`, a frame arrived (or the source is away and retrying)
    /// and no classification has been running for longer.
    public func isProgressing(within seconds: Double) -> Bool {
        lock.withLock {
            let now = clock.monotonicSeconds()
            if let busySince, now - busySince > seconds { return false }
            return sourceAway || now - lastFrame <= seconds
        }
    }
}
