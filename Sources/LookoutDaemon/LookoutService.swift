import Foundation
import LookoutClock
import LookoutClassifier
import LookoutEvents
import LookoutImaging
import LookoutLifecycle
import LookoutLog

/// What a reload may replace while frames keep flowing: the model, head and labels, the pacing,
/// the debouncing, and the identity the events carry.
public struct Pipeline: Sendable {
    public var classifier: Classifier
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

    public init(classifier: Classifier, pacer: Pacer, debounce: DebounceSettings, heartbeatSeconds: Double, context: EventContext,
                thermalZones: ThermalZones, thermal: ThermalGovernor, motion: MotionGate?, board: BoardProfile?, inbox: Inbox?) {
        (self.classifier, self.pacer, self.debounce) = (classifier, pacer, debounce)
        (self.heartbeatSeconds, self.context) = (heartbeatSeconds, context)
        (self.thermalZones, self.thermal, self.motion, self.board, self.inbox) = (thermalZones, thermal, motion, board, inbox)
    }
}

/// lookoutd's pipeline as a service: source → latest frame → paced classification → debouncer → sink.
///
/// The source runs ahead on its own task and hands frames over through a one-frame buffer that
/// keeps only the newest: classification never sees a stale frame and never queues them; every
/// frame replaced before it was classified is counted as dropped. While no frame comes (a stalled
/// or unplugged camera), a ticker wakes the classifier once a second, so heartbeats go on and say so.
public final class LookoutService: Service, @unchecked Sendable {
    let source: FrameSource
    let sink: EventSink
    let logger: Logger
    public let liveness: Liveness

    private let lock = NSLock()
    private var pipeline: Pipeline
    private var replacement: Pipeline?
    private var dropped: UInt64 = 0
    private var lastFrameAt = monotonicSeconds()
    /// A frame waits in the one-frame buffer: a tick must not replace it.
    private var framePending = false
    private var summary = Summary()

    /// What the classifier waits for: a frame, or a tick while frames have stopped coming.
    enum Arrival: Sendable {
        case frame(Frame)
        case idle
    }

    /// The latest figures, for systemd's STATUS= line.
    struct Summary {
        var fps = 0.0, cpuCores = 0.0, latencyMs: Double?
        var last: (label: String, score: Float)?
        var temperature: Double?
        var thermal = ThermalGovernor.State.normal
        var watts: Double?
    }

    public init(source: FrameSource, sink: EventSink, pipeline: Pipeline, liveness: Liveness = Liveness(), logger: Logger) {
        (self.source, self.sink, self.pipeline, self.liveness, self.logger) = (source, sink, pipeline, liveness, logger)
    }

    /// Swaps in `new` before the next classification; labels active under the old one end first.
    public func reconfigure(_ new: Pipeline) { lock.withLock { replacement = new } }

    /// One line on how classification goes (systemd's STATUS=).
    public func statusLine() -> String {
        lock.withLock {
            var parts = [String(format: "%.1f classifications/s", summary.fps)]
            if let last = summary.last { parts.append(String(format: "last %@ %.2f", last.label, last.score)) }
            if let latency = summary.latencyMs { parts.append(String(format: "latency %.0f ms", latency)) }
            parts.append(String(format: "CPU %.2f of %.2f cores", summary.cpuCores, pipeline.pacer.cpuBudget))
            parts.append("\(dropped) dropped")
            if let t = summary.temperature { parts.append(String(format: "%.1f °C", t)) }
            if let w = summary.watts { parts.append(String(format: "~%.1f W (estimate)", w)) }
            if summary.thermal != .normal { parts.append("thermal \(summary.thermal.rawValue)") }
            return parts.joined(separator: ", ")
        }
    }

    public func run() async throws {
        let frames = source.frames()
        // A source that makes frames only when asked is classified directly: nothing to drop.
        if source.everyFrame {
            return try await classify(frames.map { frame -> Arrival in
                self.liveness.frameArrived()
                self.lock.withLock { self.lastFrameAt = monotonicSeconds() }
                return .frame(frame)
            })
        }
        let (latest, feed) = AsyncStream<Arrival>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let producer = Task {
            defer { feed.finish() }
            for try await frame in frames {
                liveness.frameArrived()
                lock.withLock {
                    (lastFrameAt, framePending) = (monotonicSeconds(), true)
                    if case .dropped(.frame) = feed.yield(.frame(frame)) { dropped += 1 }
                }
            }
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 1_000_000_000)
                lock.withLock {
                    if !framePending && monotonicSeconds() - lastFrameAt >= 1 { feed.yield(.idle) }
                }
            }
        }
        defer { producer.cancel(); ticker.cancel() }
        // Returns at the end of the source, or when a shutdown cancels this task.
        try await classify(latest)
        // Classification has stopped (shutdown, or the source ended): stop the source too.
        producer.cancel()
        ticker.cancel()
        try await producer.value
    }

    private func classify<Arrivals: AsyncSequence>(_ arrivals: Arrivals) async throws where Arrivals.Element == Arrival {
        var pipeline = lock.withLock { self.pipeline }
        var debouncer = Debouncer(settings: pipeline.debounce)
        var classifications: UInt64 = 0
        var windowStart = monotonicSeconds(), windowCPU = processCPUSeconds(), windowCount: UInt64 = 0
        var last: (classification: Classification, wallClock: Date)?
        var cycle = (start: monotonicSeconds(), cpu: processCPUSeconds())
        var skippedStatic: UInt64 = 0
        var inboxSaved: UInt64 = 0, inboxSkipped: UInt64 = 0
        var latencies = LatencyHistogram()
        var temperature: Double?, stretch = 1.0, lastThermalRead = -Double.infinity
        // Every started event gets its ended one: before a reload swaps the labels, and at shutdown.
        defer { if let last { finish(&debouncer, at: last.classification, wallClock: last.wallClock, context: pipeline.context) } }

        /// A heartbeat every `heartbeatSeconds`, frames or not: one that saw no frame in its whole
        /// window says the camera stalled.
        func heartbeatIfDue(now: Double) {
            guard now - windowStart >= pipeline.heartbeatSeconds else { return }
            let fps = Double(windowCount) / (now - windowStart), cpu = (processCPUSeconds() - windowCPU) / (now - windowStart)
            let watts = pipeline.board?.estimatedWatts(cpuCores: cpu)
            let (dropped, lastTop, latency, sinceFrame) = lock.withLock {
                () -> (UInt64, (label: String, score: Float)?, Double?, Double) in
                summary.fps = fps
                summary.cpuCores = cpu
                summary.watts = watts
                return (self.dropped, summary.last, summary.latencyMs, now - lastFrameAt)
            }
            emit(.heartbeat(fps: fps, classifications: classifications, dropped: dropped, cpuCores: cpu,
                            cpuBudget: pipeline.pacer.cpuBudget, lastLabel: lastTop?.label, latencyMs: latency,
                            skippedStatic: skippedStatic, temperatureC: temperature, thermal: pipeline.thermal.state.rawValue,
                            powerWEstimate: watts, inboxSaved: inboxSaved, inboxSkipped: inboxSkipped,
                            stalled: sinceFrame >= now - windowStart, sinceFrameSeconds: sinceFrame, latency: latencies),
                 context: pipeline.context)
            (windowStart, windowCPU, windowCount) = (now, processCPUSeconds(), 0)
        }

        for try await arrival in arrivals {
            guard case .frame(let frame) = arrival else {
                heartbeatIfDue(now: monotonicSeconds())
                continue
            }
            lock.withLock { framePending = false }
            let step = monotonicSeconds()
            if let new = lock.withLock({ () -> Pipeline? in
                defer { replacement = nil }
                if let replacement { self.pipeline = replacement }
                return replacement
            }) {
                if let last { finish(&debouncer, at: last.classification, wallClock: last.wallClock, context: pipeline.context) }
                let previous = pipeline.thermal
                pipeline = new
                pipeline.thermal.carryState(from: previous)
                debouncer = Debouncer(settings: new.debounce)
            }
            // The temperature, every 2 s: a hot board slows down, a very hot one pauses.
            if monotonicSeconds() - lastThermalRead >= 2 {
                lastThermalRead = monotonicSeconds()
                temperature = pipeline.thermalZones.hottest()
                let before = pipeline.thermal.state
                stretch = pipeline.thermal.update(temperature)
                if let temperature, let change = pipeline.thermal.change(from: before, celsius: temperature, stretch: stretch) {
                    logger.log(level: pipeline.thermal.state == .normal ? .notice : .warning, "\(change)")
                }
                lock.withLock { summary.temperature = temperature; summary.thermal = pipeline.thermal.state }
            }
            // Paused by the heat, or a still scene: no classification, but heartbeats go on. Only now
            // is the frame decoded: for the motion gate's thumbnail, then to the model's input framed
            // as the current model and head want it. One that does not decode (a corrupt MJPEG frame)
            // is dropped.
            var image: RGBImage?, still = false
            if !stretch.isInfinite {
                do {
                    if var gate = pipeline.motion {
                        still = !gate.shouldClassify(thumbnail: try frame.thumbnail(), now: frame.capturedAt)
                        pipeline.motion = gate
                        if still { skippedStatic += 1 }
                    }
                    if !still { image = try frame.image(pipeline.classifier.framing) }
                } catch {
                    logger.warning("frame \(frame.number) skipped: \(error)")
                    lock.withLock { dropped += 1 }
                }
            }
            if let image {
                liveness.classifying(true)
                let top = try pipeline.classifier.top(image.pixels).map { (label: $0.label, score: $0.score) }
                liveness.classifying(false)
                let latency = (monotonicSeconds() - frame.capturedAt) * 1000
                latencies.observe(latency)
                classifications += 1
                windowCount += 1
                let classification = Classification(frame: frame.number, capturedAt: frame.capturedAt, top: top, latencyMs: latency)
                last = (classification, frame.wallClock)
                lock.withLock { summary.last = top.first; summary.latencyMs = latency }
                pipeline.live?.offer(image, top: top, frame: frame.number, capturedAt: frame.wallClock)
                let events = debouncer.observe(classification)
                let started = events.contains { if case .started = $0 { true } else { false } }
                let kept = pipeline.inbox.flatMap { inbox in
                    inbox.reason(top: top, started: started).map {
                        inbox.save(image, reason: $0, top: top, frame: frame.number, capturedAt: frame.wallClock,
                                   context: pipeline.context)
                    }
                }
                switch kept {
                case .saved?: inboxSaved += 1
                case .skipped?: inboxSkipped += 1
                case .rateLimited?, nil: break
                }
                let snapshot = kept?.path
                for event in events {
                    emit(event, wallClock: frame.wallClock, context: pipeline.context, snapshot: snapshot)
                }
            }
            let now = monotonicSeconds()
            heartbeatIfDue(now: now)
            if stretch.isInfinite {
                try await Task.sleep(nanoseconds: 1_000_000_000)
                continue
            }
            // A still scene is looked at no more often than it may be classified: the frames between
            // are replaced undecoded (counted as dropped), and a change is seen within 1 / max_rate.
            if still {
                let wait = pipeline.pacer.delay(startedAt: step, cpu: 0, now: monotonicSeconds(), stretch: stretch)
                if wait > 0 { try await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
                continue
            }
            if image == nil { continue }
            // Pace on all the CPU the process used since the last step (capture, conversion and
            // decoding included, also what ran while it waited), so the average is the budget.
            let cpu = processCPUSeconds()
            let wait = pipeline.pacer.delay(startedAt: cycle.start, cpu: cpu - cycle.cpu, now: now, stretch: stretch)
            cycle = (now + wait, cpu)
            if wait > 0 { try await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
        }
    }

    private func finish(_ debouncer: inout Debouncer, at c: Classification, wallClock: Date, context: EventContext) {
        for event in debouncer.finish(at: c) { emit(event, wallClock: wallClock, context: context) }
    }

    private func emit(_ event: RecognitionEvent, wallClock: Date, context: EventContext, snapshot: String? = nil) {
        switch event {
        case .started(let label, let confidence, let at):
            emit(.started(label: label, confidence: confidence, top: at.top.map { .init(label: $0.label, score: $0.score) },
                          frame: at.frame, capturedAt: wallClock, latencyMs: at.latencyMs, snapshot: snapshot), context: context)
        case .ended(let label, let duration, let peak, let at):
            emit(.ended(label: label, durationSeconds: duration, peakConfidence: peak, frame: at.frame, capturedAt: wallClock),
                 context: context)
        }
    }

    /// A sink failure is logged and never stops classification (sinks fall back on their own).
    private func emit(_ event: DaemonEvent, context: EventContext) {
        do { try sink.emit(event, context: context) } catch {
            logger.error("event sink failed: \(error)")
        }
    }
}
