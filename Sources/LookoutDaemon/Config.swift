import Foundation
import LookoutFiles
import Yams

public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// lookoutd's settings: `Config/lookout.yaml` documents every key and its default. Each key can be
/// overridden by an environment variable, `LOOKOUT_` + the key in capitals with `.` as `_`
/// (`classify.max_rate` → `LOOKOUT_CLASSIFY_MAX_RATE`). Unknown keys and bad values are errors that
/// name the key, so a typo never silently falls back to a default.
public struct DaemonConfig: Sendable, Equatable {
    public var sourceDevice = "/dev/video0"
    public var sourceReplay: String?
    public var sourceReplayFPS = 5.0
    public var sourceReplayLoop = true
    public var sourceWidth = 640
    public var sourceHeight = 480
    public var sourceFPS = 15.0

    public var model = "mobilenet_v1_1.0_224"
    public var modelHead: String?
    public var modelLabels: String?

    public var threads = 1
    public var maxRate = 5.0
    public var cpuBudget = 0.5
    public var topK = 5

    public var eventsSink = "stdout"
    public var eventsPath = "Logs/lookoutd.jsonl"
    public var threshold = 0.6
    public var minFrames = 3
    public var window = 3
    public var clearFrames = 3
    public var hysteresis = 0.1
    public var cooldownSeconds = 0.0
    public var thresholds: [String: Double] = [:]
    public var ignore: [String] = ["background"]
    public var heartbeatSeconds = 30.0

    public var thermalRoot = "/sys/class/thermal"
    public var thermalSoft = 70.0
    public var thermalHard = 80.0
    public var thermalHysteresis = 5.0

    public var powerBoard: String?

    public var inboxPath: String?
    public var inboxUncertainLow = 0.3
    public var inboxUncertainHigh = 0.6
    public var inboxOnStarted = true
    public var inboxMinIntervalSeconds = 5.0
    public var inboxMaxMegabytes = 200.0

    public var livePath: String?
    public var liveMaxRate = 2.0
    public var liveWatchSeconds = 10.0

    public var motionEnabled = false
    public var motionThreshold = 3.0
    public var motionMaxSkipSeconds = 10.0

    public init() {}

    /// Where events can go (events.sink).
    public static let sinks = ["stdout", "jsonl", "journal"]

    /// Every key the file may hold.
    static let keys: Set<String> = [
        "source.device", "source.replay", "source.replay_fps", "source.replay_loop", "source.width", "source.height",
        "source.fps", "model.path", "model.head", "model.labels", "classify.threads", "classify.max_rate",
        "classify.cpu_budget", "classify.top_k", "events.sink", "events.path", "events.threshold", "events.min_frames",
        "events.window", "events.clear_frames", "events.hysteresis", "events.cooldown_seconds", "events.thresholds",
        "events.ignore", "events.heartbeat_seconds", "thermal.root", "thermal.soft_c", "thermal.hard_c",
        "thermal.hysteresis_c", "motion.enabled", "motion.threshold", "motion.max_skip_seconds", "power.board", "inbox.path", "inbox.uncertain_low", "inbox.uncertain_high",
        "inbox.on_started", "inbox.min_interval_seconds", "inbox.max_megabytes", "live.path", "live.max_rate",
        "live.watch_seconds",
    ]

    /// Reads `file` (nil: defaults only), then the environment's overrides, and validates the result.
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DaemonConfig {
        let values = try ConfigFile.values(file: file, keys: keys, environmentPrefix: "LOOKOUT_", environment: environment)
        let name = file ?? "defaults"
        let reader = Reader(values: values, file: name)
        var c = DaemonConfig()
        c.sourceDevice = try reader.string("source.device") ?? c.sourceDevice
        c.sourceReplay = try reader.string("source.replay")
        // 0 replays every picture as fast as it is classified; otherwise a rate whose period the timers hold.
        c.sourceReplayFPS = try reader.double("source.replay_fps", in: 0.01...1000, orZero: true) ?? c.sourceReplayFPS
        c.sourceReplayLoop = try reader.bool("source.replay_loop") ?? c.sourceReplayLoop
        c.sourceWidth = try reader.int("source.width", in: 16...8192) ?? c.sourceWidth
        c.sourceHeight = try reader.int("source.height", in: 16...8192) ?? c.sourceHeight
        c.sourceFPS = try reader.double("source.fps", in: 1...1000) ?? c.sourceFPS
        c.model = try reader.string("model.path") ?? c.model
        c.modelHead = try reader.string("model.head")
        c.modelLabels = try reader.string("model.labels")
        c.threads = try reader.int("classify.threads", in: 1...64) ?? c.threads
        c.maxRate = try reader.double("classify.max_rate", in: 0.0001...1000) ?? c.maxRate
        c.cpuBudget = try reader.double("classify.cpu_budget", in: 0.01...1024) ?? c.cpuBudget
        c.topK = try reader.int("classify.top_k", in: 1...100) ?? c.topK
        c.eventsSink = try reader.choice("events.sink", sinks) ?? c.eventsSink
        c.eventsPath = try reader.string("events.path") ?? c.eventsPath
        c.threshold = try reader.double("events.threshold", in: 0...1) ?? c.threshold
        c.minFrames = try reader.int("events.min_frames", in: 1...1000) ?? c.minFrames
        c.window = try reader.int("events.window", in: 1...1000) ?? c.window
        c.clearFrames = try reader.int("events.clear_frames", in: 1...1000) ?? c.clearFrames
        c.hysteresis = try reader.double("events.hysteresis", in: 0...1) ?? c.hysteresis
        c.cooldownSeconds = try reader.double("events.cooldown_seconds", in: 0...86400) ?? c.cooldownSeconds
        c.thresholds = try reader.thresholds("events.thresholds") ?? c.thresholds
        c.ignore = try reader.strings("events.ignore") ?? c.ignore
        c.heartbeatSeconds = try reader.double("events.heartbeat_seconds", in: 0.01...86400) ?? c.heartbeatSeconds
        c.thermalRoot = try reader.string("thermal.root") ?? c.thermalRoot
        c.thermalSoft = try reader.double("thermal.soft_c", in: 20...150) ?? c.thermalSoft
        c.thermalHard = try reader.double("thermal.hard_c", in: 20...150) ?? c.thermalHard
        c.thermalHysteresis = try reader.double("thermal.hysteresis_c", in: 0...50) ?? c.thermalHysteresis
        c.powerBoard = try reader.string("power.board")
        c.inboxPath = try reader.string("inbox.path")
        c.inboxUncertainLow = try reader.double("inbox.uncertain_low", in: 0...1) ?? c.inboxUncertainLow
        c.inboxUncertainHigh = try reader.double("inbox.uncertain_high", in: 0...1) ?? c.inboxUncertainHigh
        c.inboxOnStarted = try reader.bool("inbox.on_started") ?? c.inboxOnStarted
        c.inboxMinIntervalSeconds = try reader.double("inbox.min_interval_seconds", in: 0...86400) ?? c.inboxMinIntervalSeconds
        c.inboxMaxMegabytes = try reader.double("inbox.max_megabytes", in: 0.001...10_000_000) ?? c.inboxMaxMegabytes
        guard c.inboxUncertainHigh >= c.inboxUncertainLow else {
            throw ConfigError("\(name): inbox.uncertain_high (\(c.inboxUncertainHigh)) must be at least inbox.uncertain_low (\(c.inboxUncertainLow))")
        }
        c.livePath = try reader.string("live.path")
        c.liveMaxRate = try reader.double("live.max_rate", in: 0.1...10) ?? c.liveMaxRate
        c.liveWatchSeconds = try reader.double("live.watch_seconds", in: 1...3600) ?? c.liveWatchSeconds
        c.motionEnabled = try reader.bool("motion.enabled") ?? c.motionEnabled
        c.motionThreshold = try reader.double("motion.threshold", in: 0...255) ?? c.motionThreshold
        c.motionMaxSkipSeconds = try reader.double("motion.max_skip_seconds", in: 0.01...86400) ?? c.motionMaxSkipSeconds
        guard c.thermalHard > c.thermalSoft else {
            throw ConfigError("\(name): thermal.hard_c (\(c.thermalHard)) must be above thermal.soft_c (\(c.thermalSoft))")
        }
        guard c.window >= c.minFrames else {
            throw ConfigError("\(name): events.window (\(c.window)) must be at least events.min_frames (\(c.minFrames))")
        }
        return c
    }

    /// Typed access to the flattened values, with errors that name file and key (also board profiles'
    /// and other programs' settings files, such as `lookout mqtt`'s).
    /// Every number has a finite range that each of its uses holds: seconds and rates become
    /// nanosecond sleeps, megabytes a byte count, frame rates a V4L2 integer.
    public struct Reader {
        let values: [String: Node]
        let file: String

        public init(values: [String: Node], file: String) { (self.values, self.file) = (values, file) }

        func fail(_ key: String, _ what: String) -> ConfigError {
            ConfigError("\(file): \(key): \(what) (got \(values[key].flatMap { $0.scalar?.string } ?? "a list or mapping"))")
        }

        public func string(_ key: String) throws -> String? {
            guard let node = values[key] else { return nil }
            if node.scalar?.string == "null" || node.scalar?.string == "~" || node.scalar?.string == "" { return nil }
            guard let s = node.scalar?.string else { throw fail(key, "must be text") }
            return s
        }

        /// `orZero`: 0 is allowed too, with a meaning of its own.
        public func double(_ key: String, in range: ClosedRange<Double>, orZero: Bool = false) throws -> Double? {
            guard let s = try string(key) else { return nil }
            guard let v = Double(s), range.contains(v) || (orZero && v == 0) else {
                throw fail(key, "must be a number from \(range.lowerBound) to \(range.upperBound)\(orZero ? ", or 0" : "")")
            }
            return v
        }

        public func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
            guard let s = try string(key) else { return nil }
            guard let v = Int(s), range.contains(v) else { throw fail(key, "must be a whole number from \(range.lowerBound) to \(range.upperBound)") }
            return v
        }

        public func bool(_ key: String) throws -> Bool? {
            guard let s = try string(key) else { return nil }
            switch s.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: throw fail(key, "must be true or false")
            }
        }

        public func choice(_ key: String, _ options: [String]) throws -> String? {
            guard let s = try string(key) else { return nil }
            guard options.contains(s) else { throw fail(key, "must be one of \(options.joined(separator: ", "))") }
            return s
        }

        public func strings(_ key: String) throws -> [String]? {
            guard let node = values[key] else { return nil }
            guard let items = node.sequence else { throw fail(key, "must be a list") }
            return try items.map { guard let s = $0.scalar?.string else { throw fail(key, "must be a list of text") }; return s }
        }

        public func thresholds(_ key: String) throws -> [String: Double]? {
            guard let node = values[key] else { return nil }
            guard let mapping = node.mapping else { throw fail(key, "must map labels to scores") }
            var out: [String: Double] = [:]
            for (label, value) in mapping {
                guard let l = label.string, let s = value.scalar?.string, let v = Double(s), (0...1).contains(v) else {
                    throw fail(key, "must map labels to scores from 0 to 1")
                }
                out[l] = v
            }
            return out
        }
    }
}

/// A settings file's keys flattened to dotted paths (`classify.max_rate`), unknown keys refused, with
/// environment overrides (`prefix` + the key in capitals, `.` as `_`) winning over the file.
public enum ConfigFile {
    public static func values(file: String?, keys: Set<String>, environmentPrefix: String,
                              environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [String: Node] {
        var values: [String: Node] = [:]
        if let file {
            // One bounded read of a regular file. (Foundation's String(contentsOfFile:) leaks 4 kB on an
            // empty file, and every SIGHUP rereads the config.)
            let bytes: [UInt8]
            do { bytes = try RegularFile.read(file, maxBytes: 1 << 20) } catch let error as FileError {
                throw ConfigError("\(file): cannot read (\(error.cause))")
            }
            guard let text = String(bytes: bytes, encoding: .utf8) else { throw ConfigError("\(file): not UTF-8 text") }
            let root: Node?
            do { root = try Yams.compose(yaml: text) } catch { throw ConfigError("\(file): not valid YAML (\(error))") }
            if let root { try flatten(root, prefix: "", keys: keys, into: &values, file: file) }
        }
        for key in keys {
            let variable = environmentPrefix + key.uppercased().replacingOccurrences(of: ".", with: "_")
            if let value = environment[variable] {
                // Parsed as YAML so lists work too (LOOKOUT_EVENTS_IGNORE="[background, person]").
                values[key] = (try? Yams.compose(yaml: value)).flatMap { $0 } ?? Node(value)
            }
        }
        return values
    }

    private static func flatten(_ node: Node, prefix: String, keys: Set<String>, into values: inout [String: Node], file: String) throws {
        guard let mapping = node.mapping else {
            throw ConfigError("\(file): \(prefix.isEmpty ? "the top level" : prefix) must be a mapping of keys")
        }
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { throw ConfigError("\(file): a key under \(prefix) is not text") }
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            if keys.contains(path) {
                values[path] = value
            } else if keys.contains(where: { $0.hasPrefix(path + ".") }) {
                try flatten(value, prefix: path, keys: keys, into: &values, file: file)
            } else {
                throw ConfigError("\(file): unknown key \(path)")
            }
        }
    }

}
