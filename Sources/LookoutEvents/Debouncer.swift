import Foundation

/// One classification of one frame: the best labels and their scores.
public struct Classification: Sendable, Equatable {
    public var frame: UInt64
    /// When the frame was captured (seconds, any monotonic clock).
    public var capturedAt: Double
    /// Best first.
    public var top: [(label: String, score: Float)]
    public var latencyMs: Double

    public init(frame: UInt64, capturedAt: Double, top: [(label: String, score: Float)], latencyMs: Double) {
        (self.frame, self.capturedAt, self.top, self.latencyMs) = (frame, capturedAt, top, latencyMs)
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.frame == b.frame && a.capturedAt == b.capturedAt && a.latencyMs == b.latencyMs
            && a.top.map(\.label) == b.top.map(\.label) && a.top.map(\.score) == b.top.map(\.score)
    }
}

/// A label coming into view or leaving it.
public enum RecognitionEvent: Sendable, Equatable {
    case started(label: String, confidence: Float, at: Classification)
    case ended(label: String, durationSeconds: Double, peakConfidence: Float, at: Classification)
}

public struct DebounceSettings: Sendable, Equatable {
    /// A label counts as seen in a frame when its score is at least this.
    public var threshold: Float = 0.6
    /// It becomes active when seen in `minFrames` of the last `window` classifications (k of n).
    public var minFrames = 3
    public var window = 3
    /// It ends after `clearFrames` classifications in a row below `threshold − hysteresis`.
    public var clearFrames = 3
    public var hysteresis: Float = 0.1
    /// Per-label thresholds, overriding `threshold`.
    public var thresholds: [String: Float] = [:]
    /// After ending, a label cannot start again for this long (seconds).
    public var cooldown: Double = 0
    /// Labels that never start (e.g. "background").
    public var ignore: Set<String> = []

    public init() {}

    func threshold(for label: String) -> Float { thresholds[label] ?? threshold }
}

/// Turns a stream of classifications into debounced recognition events: a flickering score does not
/// start and end a label on every frame. Feed it classifications in frame order.
public struct Debouncer: Sendable {
    public let settings: DebounceSettings

    private struct Track {
        var recent: [Bool] = []          // seen in each of the last `window` classifications
        var active: (since: Double, peak: Float)?
        var below = 0                    // consecutive classifications under the clearing level
        var endedAt: Double?
    }

    private var tracks: [String: Track] = [:]

    public init(settings: DebounceSettings) {
        precondition(settings.minFrames >= 1 && settings.window >= settings.minFrames && settings.clearFrames >= 1)
        self.settings = settings
    }

    /// Labels active now.
    public var active: [String] { tracks.filter { $0.value.active != nil }.map(\.key).sorted() }

    public mutating func observe(_ c: Classification) -> [RecognitionEvent] {
        var events: [RecognitionEvent] = []
        let scores = Dictionary(c.top.map { ($0.label, $0.score) }, uniquingKeysWith: max)
        for label in Set(tracks.keys).union(scores.keys) where !settings.ignore.contains(label) {
            var track = tracks[label] ?? Track()
            let score = scores[label] ?? 0
            let threshold = settings.threshold(for: label)
            track.recent.append(score >= threshold)
            if track.recent.count > settings.window { track.recent.removeFirst() }

            if let active = track.active {
                track.active!.peak = max(active.peak, score)
                track.below = score < threshold - settings.hysteresis ? track.below + 1 : 0
                if track.below >= settings.clearFrames {
                    events.append(.ended(label: label, durationSeconds: c.capturedAt - active.since,
                                         peakConfidence: track.active!.peak, at: c))
                    track = Track(endedAt: c.capturedAt)
                }
            } else if track.recent.filter({ $0 }).count >= settings.minFrames,
                      track.endedAt.map({ c.capturedAt - $0 >= settings.cooldown }) ?? true {
                track.active = (c.capturedAt, score)
                track.below = 0
                events.append(.started(label: label, confidence: score, at: c))
            }
            // Forget labels that are neither active, nor recently seen, nor cooling down.
            if track.active == nil, !track.recent.contains(true),
               track.endedAt.map({ c.capturedAt - $0 >= settings.cooldown }) ?? true {
                tracks[label] = nil
            } else {
                tracks[label] = track
            }
        }
        // Ends first, then starts, each in label order: a stable order for logs and tests.
        return events.sorted { order($0) < order($1) }
    }

    /// Ends every active label at `c` (the last classification): on shutdown, and when a reload
    /// replaces the labels, so that every `started` has its `ended`.
    public mutating func finish(at c: Classification) -> [RecognitionEvent] {
        let events = tracks.compactMap { label, track in
            track.active.map { RecognitionEvent.ended(label: label, durationSeconds: c.capturedAt - $0.since, peakConfidence: $0.peak, at: c) }
        }
        tracks = [:]
        return events.sorted { order($0) < order($1) }
    }

    private func order(_ e: RecognitionEvent) -> (Int, String) {
        switch e {
        case .ended(let label, _, _, _): (0, label)
        case .started(let label, _, _): (1, label)
        }
    }
}
