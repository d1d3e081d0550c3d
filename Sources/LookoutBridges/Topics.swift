import Foundation

/// Turning labels and camera names (untrusted text: a head's labels are whatever its folders were
/// called) into MQTT topic levels and Home Assistant ids.
public enum TopicName {
    /// Topic levels under a camera that the bridge itself uses; a label spelled like one gets a prefix.
    static let reserved: Set<String> = ["events", "heartbeat", "snapshot", "availability"]

    /// One topic level: the wildcards `+` and `#`, the separator `/` and control characters become
    /// `_` (MQTT forbids wildcards in a published topic, and a `/` would add a level). Never empty,
    /// at most 200 characters.
    public static func level(_ text: String) -> String {
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.prefix(200).map { scalar in
            scalar == "+" || scalar == "#" || scalar == "/" || scalar.properties.generalCategory == .control ? "_" : scalar
        }))
        return cleaned.isEmpty ? "_" : cleaned
    }

    /// A label's level under its camera; labels named like the bridge's own levels get `label_` in front.
    public static func label(_ label: String) -> String {
        let level = level(label)
        return reserved.contains(level) ? "label_" + level : level
    }

    /// The camera's level: the name after the last `/` (`/dev/video0` → `video0`, a replay folder → its name).
    public static func camera(_ camera: String) -> String {
        level(camera.split(separator: "/").last.map(String.init) ?? camera)
    }

    /// An id Home Assistant accepts in a discovery topic and as unique_id: `[a-z0-9_]`, the rest `_`;
    /// a short hash of the original keeps labels apart that differ only in what was replaced.
    public static func id(_ text: String) -> String {
        let slug = String(text.lowercased().unicodeScalars.map { scalar -> Character in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) ? Character(scalar) : "_"
        })
        var hash: UInt32 = 2_166_136_261  // FNV-1a: stable across runs and machines
        for byte in text.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return String(slug.prefix(48)) + "_" + String(hash, radix: 16)
    }
}
