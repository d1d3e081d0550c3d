import Foundation
import Yams

/// A board's power figures (Config/boards/*.yaml), from which lookoutd estimates its draw:
/// idle + (full load − idle) × the share of the cores it keeps busy. An estimate, not a
/// measurement: it knows nothing of the camera, USB or the supply's losses.
public struct BoardProfile: Decodable, Sendable, Equatable {
    public let name: String
    public let cores: Int
    public let idleWatts: Double
    public let fullLoadWatts: Double

    enum CodingKeys: String, CodingKey {
        case name, cores
        case idleWatts = "idle_watts"
        case fullLoadWatts = "full_load_watts"
    }

    /// Where profiles named without a path are looked for.
    public static let folders = ["/etc/lookout/boards", "/usr/share/lookout/boards", "/usr/local/share/lookout/boards", "Config/boards"]

    /// A profile by file path, or by name (`raspberry-pi-4b`) in `folders`.
    public static func load(_ nameOrPath: String, folders: [String] = folders) throws -> BoardProfile {
        let file = nameOrPath.contains("/") ? nameOrPath
            : folders.map { "\($0)/\(nameOrPath).yaml" }.first { FileManager.default.fileExists(atPath: $0) }
        guard let file, let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw ConfigError("power.board: no board profile \(nameOrPath) (looked in \(folders.joined(separator: ", ")))")
        }
        let profile: BoardProfile
        do { profile = try YAMLDecoder().decode(BoardProfile.self, from: text) } catch {
            throw ConfigError("\(file): not a board profile (name, cores, idle_watts, full_load_watts): \(error)")
        }
        guard profile.cores >= 1, profile.idleWatts > 0, profile.fullLoadWatts >= profile.idleWatts else {
            throw ConfigError("\(file): cores must be at least 1 and 0 < idle_watts ≤ full_load_watts")
        }
        return profile
    }

    /// Estimated watts while the process uses `cores` cores (the rest of the board idle).
    public func estimatedWatts(cpuCores: Double) -> Double {
        idleWatts + (fullLoadWatts - idleWatts) * min(max(cpuCores / Double(cores), 0), 1)
    }
}
