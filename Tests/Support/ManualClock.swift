import Foundation
import LookoutClock

/// A clock the test sets, as swift-nio's EmbeddedEventLoop: time moves only when the test advances
/// it, or when something sleeps on it (a sleep returns at once, the time moved on by its length);
/// CPU time moves only when the test spends it. Sleeps are recorded.
public final class ManualClock: TimeSource, @unchecked Sendable {
    private let lock = NSLock()
    private var time: Double
    private var cpu = 0.0
    private var slept: [Double] = []

    public init(now: Double = 1000) { time = now }

    public func monotonicSeconds() -> Double { lock.withLock { time } }
    public func processCPUSeconds() -> Double { lock.withLock { cpu } }

    public func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        lock.withLock {
            slept.append(seconds)
            time += max(0, seconds)
        }
    }

    /// Moves the time on by `seconds`.
    public func advance(by seconds: Double) { lock.withLock { time += seconds } }

    /// The process "used" `seconds` of CPU (as capture and inference would).
    public func spend(cpu seconds: Double) { lock.withLock { cpu += seconds } }

    /// Every sleep so far, in order.
    public var sleeps: [Double] { lock.withLock { slept } }
}
