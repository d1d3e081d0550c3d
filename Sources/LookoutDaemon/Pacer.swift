import Foundation

/// Keeps classification inside the power envelope: at most `maxRate` a second, and on average no
/// more CPU than `cpuBudget` cores. After each classification it waits until both hold: when the
/// process used c seconds of CPU since the last step (all of it: capture, conversion, inference),
/// the step lasts at least c / budget seconds. (systemd's CPUQuota= stays a hard backstop; this is
/// the mechanism.)
public struct Pacer: Sendable {
    public let maxRate: Double
    public let cpuBudget: Double

    public init(maxRate: Double, cpuBudget: Double) {
        (self.maxRate, self.cpuBudget) = (maxRate, cpuBudget)
    }

    /// Seconds to wait after a step that started at `started` (monotonic) during which the process used `cpu` seconds of CPU.
    /// `stretch` (≥ 1) lengthens the step further: the thermal backoff.
    public func delay(startedAt started: Double, cpu: Double, now: Double, stretch: Double = 1) -> Double {
        let earliest = started + max(1 / maxRate, cpu / cpuBudget) * stretch
        return max(0, earliest - now)
    }
}
