import Foundation
import LookoutLog

/// The board's temperature: the hottest of `ROOT/thermal_zone*/temp` (millidegrees Celsius, as
/// Linux's thermal sysfs gives it). The root is configurable so tests use a folder of their own.
public struct ThermalZones: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    /// °C, or nil when there is no readable zone (no thermal sysfs on this machine).
    public func hottest() -> Double? {
        let zones = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { $0.hasPrefix("thermal_zone") }
        return zones.compactMap { zone -> Double? in
            guard let text = try? String(contentsOfFile: "\(root)/\(zone)/temp", encoding: .utf8),
                  let milli = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
            return milli / 1000
        }.max()
    }
}

/// Thermal backoff: below `soft` classification runs at full pace; from `soft` to `hard` its
/// interval stretches linearly up to 4×; at `hard` it pauses. Leaving a state needs the temperature
/// `hysteresis` below the limit that entered it, so the pace does not flap around a limit.
public struct ThermalGovernor: Sendable, Equatable {
    public enum State: String, Sendable { case normal, slowed, paused }

    public let soft: Double, hard: Double, hysteresis: Double
    public private(set) var state = State.normal

    public init(soft: Double, hard: Double, hysteresis: Double) {
        (self.soft, self.hard, self.hysteresis) = (soft, hard, hysteresis)
    }

    /// Updates the state for `celsius` (nil: unknown, stays as it is) and returns how much to
    /// stretch the interval between classifications (1 = full pace; infinity = paused).
    public mutating func update(_ celsius: Double?) -> Double {
        guard let t = celsius else { return stretch(nil) }
        switch state {
        case .normal: if t >= hard { state = .paused } else if t >= soft { state = .slowed }
        case .slowed: if t >= hard { state = .paused } else if t < soft - hysteresis { state = .normal }
        case .paused: if t < hard - hysteresis { state = t >= soft - hysteresis ? .slowed : .normal }
        }
        return stretch(t)
    }

    /// Keeps `previous`'s state across a reload, so a hot board stays paused and nothing is logged again.
    public mutating func carryState(from previous: ThermalGovernor) { state = previous.state }

    /// The log line for a change from `before` to the current state at `celsius`, with `stretch`
    /// (what `update` returned); nil when the state did not change.
    public func change(from before: State, celsius t: Double, stretch: Double) -> String? {
        guard state != before else { return nil }
        let reading = "thermal: \(String(format: "%.1f", t)) °C"
        switch state {
        case .paused:
            return "\(reading) at or above hard limit \(Self.degrees(hard)), classification paused"
        case .slowed where before == .paused:
            return "\(reading) below \(Self.degrees(hard - hysteresis)) (hard limit − hysteresis), "
                + "classifying again at \(String(format: "%.1f", stretch))× the interval"
        case .slowed:
            return "\(reading) above soft limit \(Self.degrees(soft)), slowing to \(String(format: "%.1f", stretch))× "
                + "the interval (4× at \(Self.degrees(hard)))"
        case .normal:
            return "\(reading) below \(Self.degrees(soft - hysteresis)) (soft limit − hysteresis), recovered: full pace"
        }
    }

    private static func degrees(_ c: Double) -> String { String(format: "%g °C", c) }

    private func stretch(_ t: Double?) -> Double {
        switch state {
        case .normal: return 1
        case .paused: return .infinity
        case .slowed:
            let t = min(max(t ?? soft, soft), hard)
            return 1 + 3 * (t - soft) / max(hard - soft, 0.001)
        }
    }
}

/// The thermal stage of the daemon loop: reads the hottest zone every 2 s, gives the stretch its
/// governor decides (∞: paused), and says each change of state once.
struct ThermalSampler {
    var zones: ThermalZones
    var governor: ThermalGovernor
    private(set) var temperature: Double?
    private(set) var stretch = 1.0
    private var lastRead = -Double.infinity

    init(zones: ThermalZones, governor: ThermalGovernor) { (self.zones, self.governor) = (zones, governor) }

    /// New settings from a reload; the state (a pause) carries over.
    mutating func replace(zones: ThermalZones, governor: ThermalGovernor) {
        let previous = self.governor
        (self.zones, self.governor) = (zones, governor)
        self.governor.carryState(from: previous)
    }

    /// Reads the zones when 2 s have passed since the last reading.
    mutating func sample(now: Double, logger: Logger) {
        guard now - lastRead >= 2 else { return }
        lastRead = now
        temperature = zones.hottest()
        let before = governor.state
        stretch = governor.update(temperature)
        if let temperature, let change = governor.change(from: before, celsius: temperature, stretch: stretch) {
            logger.log(level: governor.state == .normal ? .notice : .warning, "\(change)")
        }
    }
}
