import Foundation
import LookoutClock
import LookoutEvents
import LookoutJournal
import LookoutLifecycle
import LookoutLog

/// Keeps systemd informed while lookoutd runs: STATUS= every few seconds, WATCHDOG=1 only while
/// the pipeline makes progress, and STOPPING=1 as soon as a graceful shutdown begins.
public struct Supervisor: Service {
    let notifier: Notifier
    let pipeline: LookoutService
    let statusSeconds: Double

    public init(notifier: Notifier, pipeline: LookoutService, statusSeconds: Double = 5) {
        (self.notifier, self.pipeline, self.statusSeconds) = (notifier, pipeline, statusSeconds)
    }

    public func run() async throws {
        let watchdog = notifier.watchdogInterval
        // Ping at half the watchdog period (sd_watchdog_enabled's advice).
        let tick = min(statusSeconds, (watchdog ?? .infinity) / 2)
        // A shutdown cancels this task: the sleep throws, and STOPPING=1 goes out.
        do {
            var lastStatus = -Double.infinity
            while !Task.isCancelled {
                if let watchdog, pipeline.liveness.isProgressing(within: watchdog) { notifier.watchdog() }
                if monotonicSeconds() - lastStatus >= statusSeconds {
                    notifier.status(pipeline.statusLine())
                    lastStatus = monotonicSeconds()
                }
                try await Task.sleep(nanoseconds: UInt64(tick * 1e9))
            }
        } catch is CancellationError {}
        notifier.stopping()
    }
}

/// SIGHUP (`systemctl reload`): reread config and head, and swap them in only when they are valid.
/// RELOADING=1 and READY=1 bracket the reload so systemctl waits for it.
public struct ReloadService: Service {
    let notifier: Notifier
    let logger: Logger
    let reload: @Sendable () async throws -> String

    /// `reload` loads, checks and swaps in the new settings, returning what changed; a throw
    /// leaves the running ones in place.
    public init(notifier: Notifier, logger: Logger, reload: @escaping @Sendable () async throws -> String) {
        (self.notifier, self.logger, self.reload) = (notifier, logger, reload)
    }

    public func run() async throws {
        for await _ in SignalStream([SIGHUP]) {
            notifier.reloading()
            let started = monotonicSeconds()
            do {
                let summary = try await reload()
                logger.notice("reloaded in \(String(format: "%.0f", (monotonicSeconds() - started) * 1000)) ms: \(summary)",
                              metadata: ["message_id": "\(EventSchema.messageIDs["reload"]!)"])
            } catch {
                logger.error("reload refused, still running the previous settings: \(error)",
                             metadata: ["message_id": "\(EventSchema.messageIDs["reload"]!)"])
            }
            notifier.ready()
        }
    }
}
