import Foundation
import LookoutTime

/// Whether the pipeline is making progress, for the systemd watchdog: frames keep arriving (or
/// the camera is known to be away and being retried), and no classification is stuck. A wedged
/// camera or a stuck worker stops the pings, and systemd restarts the service.
public final class Liveness: @unchecked Sendable {
    private let lock = NSLock()
    private let clock: LookoutClock
    private var lastFrame: Double
    private var sourceAway = false
    private var busySince: Double?

    public init(clock: LookoutClock = SystemClock()) { (self.clock, lastFrame) = (clock, clock.now()) }

    public func frameArrived() { lock.withLock { lastFrame = clock.now() } }

    /// The source reports an outage it is retrying (true) or that it streams again (false).
    public func source(away: Bool) { lock.withLock { sourceAway = away; lastFrame = clock.now() } }

    func classifying(_ busy: Bool) { lock.withLock { busySince = busy ? clock.now() : nil } }

    /// True when, within the last `seconds`, a frame arrived (or the source is away and retrying)
    /// and no classification has been running for longer.
    public func isProgressing(within seconds: Double) -> Bool {
        lock.withLock {
            let now = clock.now()
            if let busySince, now - busySince > seconds { return false }
            return sourceAway || now - lastFrame <= seconds
        }
    }
}
