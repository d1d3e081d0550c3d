import CSystemd
import Foundation

/// Tells the service manager how the daemon is doing (sd_notify): READY, STATUS, WATCHDOG,
/// RELOADING, STOPPING. Without NOTIFY_SOCKET (a foreground run) every call does nothing.
public struct Notifier: Sendable {
    public init() {}

    public var isSupervised: Bool { ProcessInfo.processInfo.environment["NOTIFY_SOCKET"] != nil }

    /// The watchdog period systemd asks for (WatchdogSec=), when it asks this process.
    public var watchdogInterval: Double? {
        var usec: UInt64 = 0
        return sd_watchdog_enabled(0, &usec) > 0 ? Double(usec) / 1e6 : nil
    }

    public func ready() { send("READY=1") }
    public func status(_ text: String) { send("STATUS=\(text.replacingOccurrences(of: "\n", with: " "))") }
    public func watchdog() { send("WATCHDOG=1") }
    public func stopping() { send("STOPPING=1") }

    /// RELOADING=1 carries the monotonic time so that Type=notify-reload units can match it too.
    public func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        send("RELOADING=1\nMONOTONIC_USEC=\(UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000)")
    }

    private func send(_ state: String) {
        _ = sd_notify(0, state)
    }
}
