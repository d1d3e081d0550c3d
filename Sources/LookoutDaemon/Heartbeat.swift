import Foundation
import LookoutEvents

/// The heartbeat stage: counts what happened since lookoutd started and in the current window, and
/// every `heartbeatSeconds`, frames or not, says how classification goes. One that saw no frame in
/// its whole window says the camera stalled.
struct HeartbeatWindow {
    private var start: Double
    private var cpu: Double
    private var count: UInt64 = 0
    private(set) var classifications: UInt64 = 0
    private(set) var skippedStatic: UInt64 = 0
    private(set) var inboxSaved: UInt64 = 0
    private(set) var inboxSkipped: UInt64 = 0
    private(set) var latencies = LatencyHistogram()

    init(now: Double, cpu: Double) { (start, self.cpu) = (now, cpu) }

    mutating func classified(latencyMs: Double) {
        latencies.observe(latencyMs)
        classifications += 1
        count += 1
    }

    mutating func skippedAsStill() { skippedStatic += 1 }

    mutating func kept(_ outcome: Inbox.Outcome?) {
        switch outcome {
        case .saved?: inboxSaved += 1
        case .skipped?: inboxSkipped += 1
        case .rateLimited?, nil: break
        }
    }

    /// The window's classifications a second and CPU cores when `every` seconds have passed since
    /// it began (a new window then begins), else nil.
    mutating func close(now: Double, cpu: Double, every: Double) -> (fps: Double, cpuCores: Double, sinceStart: Double)? {
        guard now - start >= every else { return nil }
        let figures = (Double(count) / (now - start), (cpu - self.cpu) / (now - start), now - start)
        (start, self.cpu, count) = (now, cpu, 0)
        return figures
    }
}
