import Foundation
import LookoutFiles
import Yams

/// A board's power figures (Config/boards/*.yaml), from which lookoutd estimates its draw:
/// idle + (full load − idle) × the share of the cores it keeps busy. An estimate, not a
/// measurement: it assumes the cores run at `maxClockMHz` when busy and knows nothing of the
/// camera, USB or the supply's losses.
public struct BoardProfile: Sendable, Equatable {
    public let name: String
    public let cores: Int
    public let maxClockMHz: Int
    public let idleWatts: Double
    public let fullLoadWatts: Double

    /// Where profiles named without a path are looked for.
    public static let folders = ["/etc/lookout/boards", "/usr/share/lookout/boards", "/usr/local/share/lookout/boards", "Config/boards"]

    static let keys: Set<String> = ["name", "cores", "max_clock_mhz", "idle_watts", "full_load_watts"]

    /// A profile by file path, or by name (`raspberry-pi-4b`) in `folders`.
    public static func load(_ nameOrPath: String, folders: [String] = folders) throws -> BoardProfile {
        let file = nameOrPath.contains("/") ? nameOrPath
            : folders.map { "\($0)/\(nameOrPath).yaml" }.first { FileManager.default.fileExists(atPath: $0) }
        guard let file, FileManager.default.fileExists(atPath: file) else {
            throw ConfigError("power.board: no board profile \(nameOrPath) (looked in \(nameOrPath.contains("/") ? nameOrPath : folders.joined(separator: ", ")))")
        }
        let text: String
        do { text = try RegularFile.text(file, maxBytes: 1 << 20) } catch let error as FileError {
            throw ConfigError("\(file): cannot read (\(error.cause))")
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch { throw ConfigError("\(file): not valid YAML (\(error))") }
        guard let mapping = root?.mapping else { throw ConfigError("\(file): a board profile must be a mapping of \(keys.sorted().joined(separator: ", "))") }
        var values: [String: Node] = [:]
        for (key, value) in mapping {
            guard let key = key.string, keys.contains(key) else { throw ConfigError("\(file): unknown key \(key.string ?? "\(key)")") }
            values[key] = value
        }
        let reader = DaemonConfig.Reader(values: values, file: file)
        func required<T>(_ key: String, _ value: T?) throws -> T {
            guard let value else { throw ConfigError("\(file): \(key) is missing") }
            return value
        }
        let profile = BoardProfile(
            name: try required("name", reader.string("name")),
            cores: try required("cores", reader.int("cores", in: 1...1024)),
            maxClockMHz: try required("max_clock_mhz", reader.int("max_clock_mhz", in: 1...100_000)),
            idleWatts: try required("idle_watts", reader.double("idle_watts", in: 0.01...10_000)),
            fullLoadWatts: try required("full_load_watts", reader.double("full_load_watts", in: 0.01...10_000)))
        guard profile.fullLoadWatts >= profile.idleWatts else {
            throw ConfigError("\(file): full_load_watts (\(profile.fullLoadWatts)) must be at least idle_watts (\(profile.idleWatts))")
        }
        return profile
    }

    /// For the start-up log: which figures the estimate uses.
    public var summary: String {
        "\(name) (\(cores) cores at \(maxClockMHz) MHz, \(idleWatts) W idle to \(fullLoadWatts) W at full load)"
    }

    /// Estimated watts while the process uses `cores` cores (the rest of the board idle).
    public func estimatedWatts(cpuCores: Double) -> Double {
        idleWatts + (fullLoadWatts - idleWatts) * min(max(cpuCores / Double(cores), 0), 1)
    }
}
