import Foundation
import LookoutFiles
import Yams

public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// lookoutd's settings, grouped as `Config/lookout.yaml` groups them. Every key is a row of
/// `DaemonConfig.table`: its name, the field it sets (whose initial value here is its default) and
/// how its text is parsed and bounded. Each key can be overridden by an environment variable,
/// `LOOKOUT_` + the key in capitals with `.` as `_` (`classify.max_rate` → `LOOKOUT_CLASSIFY_MAX_RATE`).
/// Unknown keys and bad values are errors that name the key, so a typo never silently falls back to
/// a default.
public struct DaemonConfig: Sendable, Equatable {
    public struct Source: Sendable, Equatable {
        public var device = "/dev/video0"
        public var replay: String?
        public var replayFPS = 5.0
        public var replayLoop = true
        public var width = 640
        public var height = 480
        public var fps = 15.0
    }

    public struct Model: Sendable, Equatable {
        public var path = "mobilenet_v1_1.0_224"
        public var head: String?
        public var labels: String?
    }

    public struct Classify: Sendable, Equatable {
        public var threads = 1
        public var maxRate = 5.0
        public var cpuBudget = 0.5
        public var topK = 5
    }

    public struct Events: Sendable, Equatable {
        public var sink = "stdout"
        public var path = "Logs/lookoutd.jsonl"
        public var threshold = 0.6
        public var minFrames = 3
        public var window = 3
        public var clearFrames = 3
        public var hysteresis = 0.1
        public var cooldownSeconds = 0.0
        public var thresholds: [String: Double] = [:]
        public var ignore: [String] = ["background"]
        public var heartbeatSeconds = 30.0
    }

    public struct Thermal: Sendable, Equatable {
        public var root = "/sys/class/thermal"
        public var softC = 70.0
        public var hardC = 80.0
        public var hysteresisC = 5.0
    }

    public struct Motion: Sendable, Equatable {
        public var enabled = false
        public var threshold = 3.0
        public var maxSkipSeconds = 10.0
    }

    public struct Power: Sendable, Equatable {
        public var board: String?
    }

    public struct Inbox: Sendable, Equatable {
        public var path: String?
        public var uncertainLow = 0.3
        public var uncertainHigh = 0.6
        public var onStarted = true
        public var minIntervalSeconds = 5.0
        public var maxMegabytes = 200.0
    }

    public struct Live: Sendable, Equatable {
        public var path: String?
        public var maxRate = 2.0
        public var watchSeconds = 10.0
    }

    public var source = Source()
    public var model = Model()
    public var classify = Classify()
    public var events = Events()
    public var thermal = Thermal()
    public var motion = Motion()
    public var power = Power()
    public var inbox = Inbox()
    public var live = Live()

    public init() {}

    /// Where events can go (events.sink).
    public static let sinks = ["stdout", "jsonl", "journal"]

    /// One key of the file: its dotted name, and how its value is read into the settings.
    struct Key {
        let name: String
        let read: (Reader, inout DaemonConfig) throws -> Void

        static func text(_ name: String, _ field: WritableKeyPath<DaemonConfig, String>) -> Key {
            Key(name: name) { reader, c in if let v = try reader.string(name) { c[keyPath: field] = v } }
        }

        /// Text whose absence (null) means "none".
        static func optionalText(_ name: String, _ field: WritableKeyPath<DaemonConfig, String?>) -> Key {
            Key(name: name) { reader, c in c[keyPath: field] = try reader.string(name) }
        }

        /// `orZero`: 0 is allowed too, with a meaning of its own.
        static func number(_ name: String, _ field: WritableKeyPath<DaemonConfig, Double>, _ range: ClosedRange<Double>,
                           orZero: Bool = false) -> Key {
            Key(name: name) { reader, c in if let v = try reader.double(name, in: range, orZero: orZero) { c[keyPath: field] = v } }
        }

        static func whole(_ name: String, _ field: WritableKeyPath<DaemonConfig, Int>, _ range: ClosedRange<Int>) -> Key {
            Key(name: name) { reader, c in if let v = try reader.int(name, in: range) { c[keyPath: field] = v } }
        }

        static func flag(_ name: String, _ field: WritableKeyPath<DaemonConfig, Bool>) -> Key {
            Key(name: name) { reader, c in if let v = try reader.bool(name) { c[keyPath: field] = v } }
        }

        static func choice(_ name: String, _ field: WritableKeyPath<DaemonConfig, String>, _ options: [String]) -> Key {
            Key(name: name) { reader, c in if let v = try reader.choice(name, options) { c[keyPath: field] = v } }
        }

        static func list(_ name: String, _ field: WritableKeyPath<DaemonConfig, [String]>) -> Key {
            Key(name: name) { reader, c in if let v = try reader.strings(name) { c[keyPath: field] = v } }
        }

        static func scores(_ name: String, _ field: WritableKeyPath<DaemonConfig, [String: Double]>) -> Key {
            Key(name: name) { reader, c in if let v = try reader.thresholds(name) { c[keyPath: field] = v } }
        }
    }

    /// Every key the file may hold, in the file's order. Every number has a finite range that each
    /// of its uses holds: seconds and rates become nanosecond sleeps, megabytes a byte count, frame
    /// rates a V4L2 integer.
    static let table: [Key] = [
        .text("source.device", \.source.device),
        .optionalText("source.replay", \.source.replay),
        // 0 replays every picture as fast as it is classified; otherwise a rate whose period the timers hold.
        .number("source.replay_fps", \.source.replayFPS, 0.01...1000, orZero: true),
        .flag("source.replay_loop", \.source.replayLoop),
        .whole("source.width", \.source.width, 16...8192),
        .whole("source.height", \.source.height, 16...8192),
        .number("source.fps", \.source.fps, 1...1000),
        .text("model.path", \.model.path),
        .optionalText("model.head", \.model.head),
        .optionalText("model.labels", \.model.labels),
        .whole("classify.threads", \.classify.threads, 1...64),
        .number("classify.max_rate", \.classify.maxRate, 0.0001...1000),
        .number("classify.cpu_budget", \.classify.cpuBudget, 0.01...1024),
        .whole("classify.top_k", \.classify.topK, 1...100),
        .choice("events.sink", \.events.sink, sinks),
        .text("events.path", \.events.path),
        .number("events.threshold", \.events.threshold, 0...1),
        .whole("events.min_frames", \.events.minFrames, 1...1000),
        .whole("events.window", \.events.window, 1...1000),
        .whole("events.clear_frames", \.events.clearFrames, 1...1000),
        .number("events.hysteresis", \.events.hysteresis, 0...1),
        .number("events.cooldown_seconds", \.events.cooldownSeconds, 0...86400),
        .scores("events.thresholds", \.events.thresholds),
        .list("events.ignore", \.events.ignore),
        .number("events.heartbeat_seconds", \.events.heartbeatSeconds, 0.01...86400),
        .text("thermal.root", \.thermal.root),
        .number("thermal.soft_c", \.thermal.softC, 20...150),
        .number("thermal.hard_c", \.thermal.hardC, 20...150),
        .number("thermal.hysteresis_c", \.thermal.hysteresisC, 0...50),
        .flag("motion.enabled", \.motion.enabled),
        .number("motion.threshold", \.motion.threshold, 0...255),
        .number("motion.max_skip_seconds", \.motion.maxSkipSeconds, 0.01...86400),
        .optionalText("power.board", \.power.board),
        .optionalText("inbox.path", \.inbox.path),
        .number("inbox.uncertain_low", \.inbox.uncertainLow, 0...1),
        .number("inbox.uncertain_high", \.inbox.uncertainHigh, 0...1),
        .flag("inbox.on_started", \.inbox.onStarted),
        .number("inbox.min_interval_seconds", \.inbox.minIntervalSeconds, 0...86400),
        .number("inbox.max_megabytes", \.inbox.maxMegabytes, 0.001...10_000_000),
        .optionalText("live.path", \.live.path),
        .number("live.max_rate", \.live.maxRate, 0.1...10),
        .number("live.watch_seconds", \.live.watchSeconds, 1...3600),
    ]

    /// Every key the file may hold.
    static let keys = Set(table.map(\.name))

    /// Reads `file` (nil: defaults only), then the environment's overrides, and validates the result.
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DaemonConfig {
        let values = try ConfigFile.values(file: file, keys: keys, environmentPrefix: "LOOKOUT_", environment: environment)
        let name = file ?? "defaults"
        let reader = Reader(values: values, file: name)
        var c = DaemonConfig()
        for key in table { try key.read(reader, &c) }
        guard c.inbox.uncertainHigh >= c.inbox.uncertainLow else {
            throw ConfigError("\(name): inbox.uncertain_high (\(c.inbox.uncertainHigh)) must be at least inbox.uncertain_low (\(c.inbox.uncertainLow))")
        }
        guard c.thermal.hardC > c.thermal.softC else {
            throw ConfigError("\(name): thermal.hard_c (\(c.thermal.hardC)) must be above thermal.soft_c (\(c.thermal.softC))")
        }
        guard c.events.window >= c.events.minFrames else {
            throw ConfigError("\(name): events.window (\(c.events.window)) must be at least events.min_frames (\(c.events.minFrames))")
        }
        return c
    }

    /// Typed access to the flattened values, with errors that name file and key (also board profiles'
    /// and other programs' settings files, such as `lookout mqtt`'s).
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
            let text: String
            do { text = try RegularFile.text(file, maxBytes: 1 << 20) } catch let error as FileError {
                throw ConfigError("\(file): cannot read (\(error.cause))")
            }
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
