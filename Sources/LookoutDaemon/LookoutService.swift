import Foundation
import LookoutEvents
import LookoutImaging
import LookoutLifecycle
import LookoutLog
import LookoutClock

/// What a reload may replace while frames keep flowing: the model (kept on its thread; here what
/// identifies it), the pacing, the debouncing, and the identity the events carry.
public struct Pipeline: Sendable {
    public var model: LoadedModel
    public var pacer: Pacer
    public var debounce: DebounceSettings
    public var heartbeatSeconds: Double
    public var context: EventContext
    public var thermalZones: ThermalZones
    public var thermal: ThermalGovernor
    public var motion: MotionGate?
    public var board: BoardProfile?
    public var inbox: Inbox?
    public var live: LiveFrame?

    public init(model: LoadedModel, pacer: Pacer, debounce: DebounceSettings, heartbeatSeconds: Double, context: EventContext,
                thermalZones: ThermalZones, thermal: ThermalGovernor, motion: MotionGate?, board: BoardProfile?, inbox: Inbox?) {
        (self.model, self.pacer, self.debounce) = (model, pacer, debounce)
        (self.heartbeatSeconds, self.context) = (heartbeatSeconds, context)
        (self.thermalZones, self.thermal, self.motion, self.board, self.inbox) = (thermalZones, thermal, motion, board, inbox)
    }
}

/// The reload stage's hand-over: the settings a reload made ready, taken before the next frame.
final class Reloads: @unchecked Sendable {
    // `replacement` is guarded by `lock`.
    private let lock = NSLock()
    private var replacement: Pipeline?

    func offer(_ new: Pipeline) { lock.withLock { replacement = new } }
    func take() -> Pipeline? { lock.withLock { defer { replacement = nil }; return replacement } }
}

/// The latest figures, for systemd's STATUS= line.
final class StatusBoard: @unchecked Sendable {
    struct Summary {
        var fps = 0.0, cpuCores = 0.0, cpuBudget = 0.0, latencyMs: Double?
        var last: (label: String, score: Float)?
        var temperature: Double?
        var thermal = ThermalGovernor.State.normal
        var watts: Double?
    }

    // `summary` is guarded by `lock`.
    private let lock = NSLock()
    private var summary = Summary()

    @discardableResult
    func update<T>(_ change: (inout Summary) -> T) -> T { lock.withLock { change(&summary) } }

    func line(dropped: UInt64) -> String {
        let summary = update { $0 }
        var parts = [String(format: "%.1f classifications/s", summary.fps)]
        if let last = summary.last { parts.append(String(format: "last %@ %.2f", last.label, last.score)) }
        if let latency = summary.latencyMs { parts.append(String(format: "latency %.0f ms", latency)) }
        parts.append(String(format: "CPU %.2f of %.2f cores", summary.cpuCores, summary.cpuBudget))
        parts.append("\(dropped) dropped")
        if let t = summary.temperature { parts.append(String(format: "%.1f °C", t)) }
        if let w = summary.watts { parts.append(String(format: "~%.1f W (estimate)", w)) }
        if summary.thermal != .normal { parts.append("thermal \(summary.thermal.rawValue)") }
        return parts.joined(separator: ", ")
    }
}

/// lookoutd's pipeline as a service: source → one-frame slot (newest only) → the daemon loop's
/// stages (DaemonLoop) → sink. The source runs ahead on a task (a camera on its capture thread),
/// the model on a thread of its own; the loop runs on the clock it is given. While no frame comes
/// (a stalled or unplugged camera), a ticker hands the loop an idle arrival once a second, so
/// heartbeats go on and say so.
public final class LookoutService: Service, Sendable {
    let source: FrameSource
    let clock: TimeSource
    let logger: Logger
    public let liveness: Liveness
    let model = ModelThread()
    let slot: FrameSlot
    let reloads = Reloads()
    let status = StatusBoard()
    let emitter: EventEmitter

    public init(source: FrameSource, sink: EventSink, clock: TimeSource = SystemClock(), liveness: Liveness = Liveness(),
                logger: Logger) {
        (self.source, self.clock, self.liveness, self.logger) = (source, clock, liveness, logger)
        slot = FrameSlot(clock: clock, liveness: liveness)
        emitter = EventEmitter(sink: sink, logger: logger)
    }

    /// Loads and checks what `config` names (the model on its thread) for the events of `camera`:
    /// at start, and on every reload, when it takes over before the next frame. A throw leaves the
    /// running settings in place.
    @discardableResult
    public func load(_ config: DaemonConfig, camera: String) async throws -> Pipeline {
        let loaded = try await model.load(config)
        let pipeline = try Pipeline.load(config, model: loaded, camera: camera, logger: logger)
        reloads.offer(pipeline)
        return pipeline
    }

    /// One line on how classification goes (systemd's STATUS=).
    public func statusLine() -> String { status.line(dropped: slot.dropped) }

    /// The daemon loop on what `load` made ready (tests step it themselves).
    func makeLoop() throws -> DaemonLoop {
        guard let first = reloads.take() else { throw ConfigError("lookoutd: nothing loaded to run") }
        return DaemonLoop(pipeline: first, clock: clock, model: model, slot: slot, reloads: reloads, status: status,
                          emitter: emitter, liveness: liveness, logger: logger)
    }

    /// Runs until the source ends or a shutdown cancels it; needs a `load` first.
    public func run() async throws {
        var failure: Error?
        do { try await classify() } catch { failure = error }
        // The model goes with its thread, before lookoutd exits.
        await model.release()
        model.stop()
        if let failure { throw failure }
    }

    private func classify() async throws {
        var loop = try makeLoop()
        let (slot, source, clock) = (self.slot, self.source, self.clock)
        let producer = Task {
            do {
                try await source.capture(into: slot, clock: clock)
                slot.finish()
            } catch {
                slot.finish(throwing: error)
            }
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await clock.sleep(seconds: 1)
                slot.tick(idleAfter: 1)
            }
        }
        defer {
            slot.close()
            producer.cancel()
            ticker.cancel()
        }
        do {
            // Ends at the end of the source, or when a shutdown cancels this task.
            while let arrival = try await slot.next() {
                try await clock.sleep(seconds: try await loop.step(arrival))
            }
        } catch {
            loop.finish()
            throw error
        }
        loop.finish()
    }
}
