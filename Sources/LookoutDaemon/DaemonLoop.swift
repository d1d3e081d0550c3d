import Foundation
import LookoutEvents
import LookoutImaging
import LookoutLog
import LookoutClock

/// lookoutd's classification path, one arrival at a time, as small stages: reload → thermal →
/// motion gate → decode → classifier → debouncer → inbox → sinks, then heartbeat and pacing.
/// A step returns how long to wait before the next one and never sleeps itself, so tests step it
/// on a manual clock (as swift-nio's EmbeddedChannel) and the service sleeps on the real one.
struct DaemonLoop {
    let clock: TimeSource
    let model: ModelThread
    let slot: FrameSlot
    let reloads: Reloads
    let status: StatusBoard
    let emitter: EventEmitter
    let liveness: Liveness
    let logger: Logger

    private(set) var pipeline: Pipeline
    private var modelInUse: Int?
    private var debouncer: Debouncer
    private var thermal: ThermalSampler
    private var heartbeat: HeartbeatWindow
    private var cycle: (start: Double, cpu: Double)
    /// The last classification: active labels end at it (before a reload, and at the end).
    private var last: (classification: Classification, wallClock: Date)?

    init(pipeline: Pipeline, clock: TimeSource, model: ModelThread, slot: FrameSlot, reloads: Reloads, status: StatusBoard,
         emitter: EventEmitter, liveness: Liveness, logger: Logger) {
        (self.pipeline, self.clock, self.model, self.slot, self.reloads) = (pipeline, clock, model, slot, reloads)
        (self.status, self.emitter, self.liveness, self.logger) = (status, emitter, liveness, logger)
        debouncer = Debouncer(settings: pipeline.debounce)
        thermal = ThermalSampler(zones: pipeline.thermalZones, governor: pipeline.thermal)
        heartbeat = HeartbeatWindow(now: clock.monotonicSeconds(), cpu: clock.processCPUSeconds())
        cycle = (clock.monotonicSeconds(), clock.processCPUSeconds())
        status.update { $0.cpuBudget = pipeline.pacer.cpuBudget }
    }

    /// Handles one arrival; returns the seconds to wait before taking the next.
    mutating func step(_ arrival: Arrival) async throws -> Double {
        guard case .frame(let frame) = arrival else {
            heartbeatIfDue(now: clock.monotonicSeconds())
            return 0
        }
        let started = clock.monotonicSeconds()
        try await takeReload()
        thermal.sample(now: clock.monotonicSeconds(), logger: logger)
        status.update { $0.temperature = thermal.temperature; $0.thermal = thermal.governor.state }
        let stretch = thermal.stretch
        // Paused by the heat, or a still scene: no classification, but heartbeats go on. Only now
        // is the frame decoded: for the motion gate's thumbnail, then to the model's input framed
        // as the current model and head want it. One that does not decode (a corrupt MJPEG frame)
        // is dropped.
        var image: RGBImage?, still = false
        if !stretch.isInfinite {
            do {
                still = try !passesMotionGate(frame)
                if !still { image = try frame.image(pipeline.model.framing) }
            } catch {
                logger.warning("frame \(frame.number) skipped: \(error)")
                slot.countDropped()
            }
        }
        if let image { try await classify(image, of: frame) }
        let now = clock.monotonicSeconds()
        heartbeatIfDue(now: now)
        if stretch.isInfinite { return 1 }
        // A still scene is looked at no more often than it may be classified: the frames between
        // are replaced undecoded (counted as dropped), and a change is seen within 1 / max_rate.
        if still { return pipeline.pacer.delay(startedAt: started, cpu: 0, now: clock.monotonicSeconds(), stretch: stretch) }
        guard image != nil else { return 0 }
        // Pace on all the CPU the process used since the last step (capture, conversion and
        // decoding included, also what ran while it waited), so the average is the budget.
        let cpu = clock.processCPUSeconds()
        let wait = pipeline.pacer.delay(startedAt: cycle.start, cpu: cpu - cycle.cpu, now: now, stretch: stretch)
        cycle = (now + wait, cpu)
        return wait
    }

    /// Every started event gets its ended one: before a reload swaps the labels, and at the end.
    mutating func finish() {
        guard let last else { return }
        for event in debouncer.finish(at: last.classification) {
            emitter.emit(event, wallClock: last.wallClock, context: pipeline.context)
        }
    }

    /// The reload stage: settings and model a reload made ready take over before this frame.
    private mutating func takeReload() async throws {
        if let new = reloads.take() {
            finish()
            last = nil
            thermal.replace(zones: new.thermalZones, governor: new.thermal)
            debouncer = Debouncer(settings: new.debounce)
            pipeline = new
            status.update { $0.cpuBudget = new.pacer.cpuBudget }
        }
        if modelInUse != pipeline.model.generation {
            try await model.use(pipeline.model.generation)
            modelInUse = pipeline.model.generation
        }
    }

    /// The motion gate stage: false for a still scene (counted), true without a gate.
    private mutating func passesMotionGate(_ frame: Frame) throws -> Bool {
        guard var gate = pipeline.motion else { return true }
        let moved = gate.shouldClassify(thumbnail: try frame.thumbnail(), now: frame.capturedAt)
        pipeline.motion = gate
        if !moved { heartbeat.skippedAsStill() }
        return moved
    }

    /// The classifier, debouncer, inbox and sink stages for one decoded frame.
    private mutating func classify(_ image: RGBImage, of frame: Frame) async throws {
        liveness.classifying(true)
        let top = try await model.top(image.pixels)
        liveness.classifying(false)
        let latency = (clock.monotonicSeconds() - frame.capturedAt) * 1000
        heartbeat.classified(latencyMs: latency)
        let classification = Classification(frame: frame.number, capturedAt: frame.capturedAt, top: top, latencyMs: latency)
        last = (classification, frame.wallClock)
        status.update { $0.last = top.first; $0.latencyMs = latency }
        pipeline.live?.offer(image, top: top, frame: frame.number, capturedAt: frame.wallClock, now: clock.monotonicSeconds())
        let events = debouncer.observe(classification)
        let started = events.contains { if case .started = $0 { true } else { false } }
        let kept = pipeline.inbox.flatMap { inbox in
            inbox.reason(top: top, started: started).map {
                inbox.save(image, reason: $0, top: top, frame: frame.number, capturedAt: frame.wallClock,
                           context: pipeline.context, now: clock.monotonicSeconds())
            }
        }
        heartbeat.kept(kept)
        for event in events {
            emitter.emit(event, wallClock: frame.wallClock, context: pipeline.context, snapshot: kept?.path)
        }
    }

    private mutating func heartbeatIfDue(now: Double) {
        guard let window = heartbeat.close(now: now, cpu: clock.processCPUSeconds(), every: pipeline.heartbeatSeconds) else { return }
        let watts = pipeline.board?.estimatedWatts(cpuCores: window.cpuCores)
        let summary = status.update { summary -> StatusBoard.Summary in
            (summary.fps, summary.cpuCores, summary.watts) = (window.fps, window.cpuCores, watts)
            return summary
        }
        let sinceFrame = slot.sinceFrame(now: now)
        emitter.emit(.heartbeat(fps: window.fps, classifications: heartbeat.classifications, dropped: slot.dropped,
                                cpuCores: window.cpuCores, cpuBudget: pipeline.pacer.cpuBudget, lastLabel: summary.last?.label,
                                latencyMs: summary.latencyMs, skippedStatic: heartbeat.skippedStatic, temperatureC: thermal.temperature,
                                thermal: thermal.governor.state.rawValue, powerWEstimate: watts, inboxSaved: heartbeat.inboxSaved,
                                inboxSkipped: heartbeat.inboxSkipped, stalled: sinceFrame >= window.sinceStart,
                                sinceFrameSeconds: sinceFrame, latency: heartbeat.latencies),
                     context: pipeline.context)
    }
}

/// The sink stage: recognition events as lookoutd reports them. A sink failure is logged and never
/// stops classification (sinks fall back on their own).
struct EventEmitter: Sendable {
    let sink: EventSink
    let logger: Logger

    func emit(_ event: RecognitionEvent, wallClock: Date, context: EventContext, snapshot: String? = nil) {
        switch event {
        case .started(let label, let confidence, let at):
            emit(.started(label: label, confidence: confidence, top: at.top.map { .init(label: $0.label, score: $0.score) },
                          frame: at.frame, capturedAt: wallClock, latencyMs: at.latencyMs, snapshot: snapshot), context: context)
        case .ended(let label, let duration, let peak, let at):
            emit(.ended(label: label, durationSeconds: duration, peakConfidence: peak, frame: at.frame, capturedAt: wallClock),
                 context: context)
        }
    }

    func emit(_ event: DaemonEvent, context: EventContext) {
        do { try sink.emit(event, context: context) } catch {
            logger.error("event sink failed: \(error)")
        }
    }
}
