/// Where a part's time comes from: monotonic seconds, the process's CPU time, and sleeping. The
/// daemon's stages take one, so tests drive them on a clock they set (LookoutTestSupport's
/// ManualClock) instead of waiting in real time; `SystemClock` is the real one.
public protocol TimeSource: Sendable {
    /// Monotonic seconds (durations, latency, pacing).
    func monotonicSeconds() -> Double
    /// CPU time (user + system) this process has used so far, in seconds (the CPU budget).
    func processCPUSeconds() -> Double
    /// Waits `seconds`; throws when the task is cancelled (a shutdown), also for no wait at all.
    func sleep(seconds: Double) async throws
}

extension SystemClock: TimeSource {}
