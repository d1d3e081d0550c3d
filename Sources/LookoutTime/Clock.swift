import Foundation

/// Where the daemon's time comes from: monotonic seconds, the process's CPU time, and sleeping.
/// Injected, so tests drive the daemon's stages on a clock they set (LookoutTestSupport's
/// ManualClock) instead of waiting in real time; `SystemClock` is the only real one.
public protocol LookoutClock: Sendable {
    /// Monotonic seconds (durations, latency, pacing).
    func now() -> Double
    /// CPU time (user + system) this process has used so far, in seconds (the CPU budget).
    func cpuSeconds() -> Double
    /// Waits `seconds`; throws when the task is cancelled (a shutdown).
    func sleep(seconds: Double) async throws
}

/// The machine's clocks: CLOCK_MONOTONIC, getrusage(RUSAGE_SELF), Task.sleep.
public struct SystemClock: LookoutClock {
    public init() {}
    public func now() -> Double { monotonicSeconds() }
    public func cpuSeconds() -> Double { processCPUSeconds() }
    public func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        if seconds > 0 { try await Task.sleep(nanoseconds: UInt64(seconds * 1e9)) }
    }
}

/// Monotonic seconds.
public func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// CPU time (user + system) of this process so far, in seconds.
public func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
