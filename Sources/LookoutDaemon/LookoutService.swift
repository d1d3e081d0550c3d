import Foundation
import LookoutEngine
import LookoutEvents
import LookoutTraining
import Logging
import ServiceLifecycle

/// Turns model outputs into the top labels: the base model's own classes, or a retrained head's.
public struct Labeller: Sendable {
    public let engine: Engine
    public let head: Head?
    public let labels: [String]
    public let topK: Int

    public init(engine: Engine, head: Head?, labels: [String], topK: Int) {
        (self.engine, self.head, self.labels, self.topK) = (engine, head, labels, topK)
    }

    public func top(_ pixels: [UInt8]) throws -> [(label: String, score: Float)] {
        let scores = try head.map { $0.scores(for: try engine.embedding(for: pixels)) } ?? engine.scores(for: pixels)
        return scores.indices.sorted { scores[$0] > scores[$1] }.prefix(topK).map {
            (labels.indices.contains($0) ? labels[$0] : "#\($0)", scores[$0])
        }
    }
}

extension Engine: @unchecked Sendable {}

/// lookoutd's pipeline as a service: source → latest frame → paced classification → debouncer → sink.
///
/// The source runs ahead on its own task and hands frames over through a one-frame buffer that
/// keeps only the newest: classification never sees a stale frame and never queues them; every
/// frame replaced before it was classified is counted as dropped.
public final class LookoutService: Service, @unchecked Sendable {
    let source: FrameSource
    let labeller: Labeller
    let sink: EventSink
    let pacer: Pacer
    let heartbeatSeconds: Double
    let logger: Logger
    var debouncer: Debouncer

    private let counters = Counters()

    public init(source: FrameSource, labeller: Labeller, sink: EventSink, pacer: Pacer, debounce: DebounceSettings,
                heartbeatSeconds: Double, logger: Logger) {
        (self.source, self.labeller, self.sink, self.pacer) = (source, labeller, sink, pacer)
        (self.heartbeatSeconds, self.logger) = (heartbeatSeconds, logger)
        debouncer = Debouncer(settings: debounce)
    }

    final class Counters: @unchecked Sendable {
        let lock = NSLock()
        var dropped: UInt64 = 0
    }

    public func run() async throws {
        let (latest, feed) = AsyncStream<Frame>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let size = labeller.engine.input.width
        let frames = source.frames(size: size)
        let counters = self.counters
        let producer = Task {
            defer { feed.finish() }
            for try await frame in frames {
                if case .dropped = feed.yield(frame) { counters.lock.withLock { counters.dropped += 1 } }
            }
        }
        defer { producer.cancel() }
        try await cancelWhenGracefulShutdown {
            try await self.classify(latest)
        }
        // Classification has stopped (shutdown, or the source ended): stop the source too.
        producer.cancel()
        try await producer.value
    }

    private func classify(_ frames: AsyncStream<Frame>) async throws {
        var classifications: UInt64 = 0
        var windowStart = monotonicSeconds(), windowCPU = processCPUSeconds(), windowCount: UInt64 = 0
        var lastLabel: String?, lastLatency: Double?
        for await frame in frames {
            let started = monotonicSeconds(), cpuBefore = processCPUSeconds()
            let top = try labeller.top(frame.image.pixels)
            let latency = (monotonicSeconds() - frame.capturedAt) * 1000
            classifications += 1
            windowCount += 1
            lastLabel = top.first?.label
            lastLatency = latency
            let classification = Classification(frame: frame.number, capturedAt: frame.capturedAt, top: top, latencyMs: latency)
            for event in debouncer.observe(classification) {
                switch event {
                case .started(let label, let confidence, let at):
                    emit(.started(label: label, confidence: confidence, top: at.top.map { .init(label: $0.label, score: $0.score) },
                                  frame: at.frame, capturedAt: frame.wallClock, latencyMs: at.latencyMs))
                case .ended(let label, let duration, let peak, let at):
                    emit(.ended(label: label, durationSeconds: duration, peakConfidence: peak, frame: at.frame,
                                capturedAt: frame.wallClock))
                }
            }
            let now = monotonicSeconds()
            if now - windowStart >= heartbeatSeconds {
                let cpu = (processCPUSeconds() - windowCPU) / (now - windowStart)
                emit(.heartbeat(fps: Double(windowCount) / (now - windowStart), classifications: classifications,
                                dropped: counters.lock.withLock { counters.dropped }, cpuCores: cpu, cpuBudget: pacer.cpuBudget,
                                lastLabel: lastLabel, latencyMs: lastLatency))
                (windowStart, windowCPU, windowCount) = (now, processCPUSeconds(), 0)
            }
            let wait = pacer.delay(startedAt: started, cpu: processCPUSeconds() - cpuBefore, now: monotonicSeconds())
            if wait > 0 { try await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
        }
    }

    /// A sink failure is logged, counted in the logs and never stops classification.
    private func emit(_ event: DaemonEvent) {
        do { try sink.emit(event, camera: source.name) } catch {
            logger.error("event sink failed: \(error)")
        }
    }
}
