import Foundation
import LookoutDaemon
import LookoutJournal
import Yams

/// `lookout mqtt`'s settings: `Config/mqtt.yaml` documents every key (installed as
/// /etc/lookout/mqtt.yaml). Each key can be overridden by `LOOKOUT_MQTT_` + the key in capitals.
/// The broker account is never in this file nor on the command line: it comes from a credentials
/// file (systemd's LoadCredential=), YAML with `username` and `password`.
public struct MQTTSettings: Equatable {
    public var broker = BrokerOptions()
    /// A credential name (looked up in $CREDENTIALS_DIRECTORY) or a file's path; nil: anonymous.
    public var credentials: String?
    public var topicPrefix = "lookout"
    public var discoveryPrefix = "homeassistant"
    /// lookoutd binaries run in the foreground whose entries count too (TrustedWriter's `foreground`).
    public var journalExe: [String] = []
    public var snapshotMaxBytes = 1 << 20
    public var retryMaxSeconds = 60.0

    static let keys: Set<String> = [
        "broker.host", "broker.port", "broker.tls", "broker.ca_file", "broker.cert_file", "broker.key_file",
        "broker.client_id", "broker.keepalive_seconds", "credentials", "topic_prefix", "discovery_prefix",
        "journal.exe", "snapshot_max_bytes", "retry_max_seconds",
    ]

    public init() {}

    /// This board's name (the host name up to the first dot): in the client id and Home Assistant's device ids.
    public static var board: String { ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "board" }

    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> MQTTSettings {
        let values = try ConfigFile.values(file: file, keys: keys, environmentPrefix: "LOOKOUT_MQTT_", environment: environment)
        let reader = DaemonConfig.Reader(values: values, file: file ?? "defaults")
        var s = MQTTSettings()
        s.broker.host = try reader.string("broker.host") ?? s.broker.host
        s.broker.tls = try reader.bool("broker.tls") ?? s.broker.tls
        s.broker.port = try reader.int("broker.port", in: 1...65535) ?? (s.broker.tls ? 8883 : 1883)
        s.broker.caFile = try reader.string("broker.ca_file")
        s.broker.certFile = try reader.string("broker.cert_file")
        s.broker.keyFile = try reader.string("broker.key_file")
        if (s.broker.certFile == nil) != (s.broker.keyFile == nil) {
            throw ConfigError("\(file ?? "defaults"): broker.cert_file and broker.key_file go together")
        }
        s.broker.clientID = try reader.string("broker.client_id") ?? "lookout-\(board)"
        s.broker.keepaliveSeconds = try reader.int("broker.keepalive_seconds", in: 5...3600) ?? s.broker.keepaliveSeconds
        s.credentials = try reader.string("credentials")
        s.topicPrefix = try reader.string("topic_prefix") ?? s.topicPrefix
        s.discoveryPrefix = try reader.string("discovery_prefix") ?? s.discoveryPrefix
        for (key, value) in [("topic_prefix", s.topicPrefix), ("discovery_prefix", s.discoveryPrefix)]
        where value.isEmpty || value.contains(where: { "+#".contains($0) }) || value.hasPrefix("/") || value.hasSuffix("/") {
            throw ConfigError("\(file ?? "defaults"): \(key): must be a topic without wildcards or a leading or trailing / (got \(value))")
        }
        s.journalExe = try reader.strings("journal.exe") ?? s.journalExe
        s.snapshotMaxBytes = try reader.int("snapshot_max_bytes", in: 0...(64 << 20)) ?? s.snapshotMaxBytes
        s.retryMaxSeconds = try reader.double("retry_max_seconds", in: 1...3600) ?? s.retryMaxSeconds
        return s
    }

    /// Reads the account from the credentials file into `broker`.
    public mutating func loadCredentials(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let credentials else { return }
        let (path, text) = try Credentials.read(credentials, what: "the broker credentials", environment: environment)
        let values = try? Yams.load(yaml: text) as? [String: Any]
        guard let username = values?["username"].map({ "\($0)" }), let password = values?["password"].map({ "\($0)" }) else {
            throw ConfigError("\(path): must hold `username: ...` and `password: ...`")
        }
        (broker.username, broker.password) = (username, password)
    }
}
