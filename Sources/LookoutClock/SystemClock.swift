import Foundation

/// The real clock, the one implementation of the three readings Lookout times itself by: monotonic
/// time (durations, latency, rates), the process's CPU time (the CPU budget, benchmarks) and
/// sleeping. Code that should be testable without waiting takes a clock as a parameter; this is
/// the one it gets in production.
public struct SystemClock: Sendable {
    public init() {}

    /// Seconds on CLOCK_MONOTONIC: never jumps with the wall clock.
    public func monotonicSeconds() -> Double { LookoutClock.monotonicSeconds() }

    /// CPU time (user + system) of the whole process so far, every thread included, in seconds.
    public func processCPUSeconds() -> Double { LookoutClock.processCPUSeconds() }

    /// Suspends the calling task for `seconds` (none when not positive); throws when it is cancelled,
    /// also for no wait at all (a loop that never waits still ends at a shutdown).
    public func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
    }
}

/// Seconds on CLOCK_MONOTONIC.
public func monotonicSeconds() -> Double { seconds(on: CLOCK_MONOTONIC) }

/// CPU time (user + system) of this process so far, every thread included, in seconds
/// (CLOCK_PROCESS_CPUTIME_ID: nanosecond resolution, so a benchmark can time one conversion).
public func processCPUSeconds() -> Double { seconds(on: CLOCK_PROCESS_CPUTIME_ID) }

private func seconds(on clock: clockid_t) -> Double {
    var t = timespec()
    clock_gettime(clock, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}
