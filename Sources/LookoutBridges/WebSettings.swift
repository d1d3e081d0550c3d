import Foundation
import LookoutDaemon
import LookoutJournal

/// `lookout web`'s settings: `Config/web.yaml` documents every key (installed as
/// /etc/lookout/web.yaml). Each key can be overridden by `LOOKOUT_WEB_` + the key in capitals.
/// The access token is never in this file nor on the command line: it comes from a credentials
/// file (LoadCredential=), and it is required when the page is served beyond this machine.
public struct WebSettings: Equatable {
    public var address = "127.0.0.1"
    public var port = 8089
    /// A credential name (looked up in $CREDENTIALS_DIRECTORY) or a file's path; nil: no token.
    public var token: String?
    /// lookoutd's runtime folder (its `live.path`): frame.jpg, frame.json and the watch marker.
    public var livePath = "/run/lookout"
    /// How often the watch marker is touched while a page is open (below lookoutd's live.watch_seconds).
    public var watchRefreshSeconds = 3.0
    public var journalExe: [String] = []
    /// Events and heartbeats a page gets when it opens (the charts' history).
    public var history = 120
    public var maxConnections = 32

    static let keys: Set<String> = [
        "address", "port", "token", "live.path", "live.refresh_seconds", "journal.exe", "history", "max_connections",
    ]

    public init() {}

    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> WebSettings {
        let values = try ConfigFile.values(file: file, keys: keys, environmentPrefix: "LOOKOUT_WEB_", environment: environment)
        let reader = DaemonConfig.Reader(values: values, file: file ?? "defaults")
        var s = WebSettings()
        s.address = try reader.string("address") ?? s.address
        s.port = try reader.int("port", in: 1...65535) ?? s.port
        s.token = try reader.string("token")
        s.livePath = try reader.string("live.path") ?? s.livePath
        s.watchRefreshSeconds = try reader.double("live.refresh_seconds", in: 0.5...600) ?? s.watchRefreshSeconds
        s.journalExe = try reader.strings("journal.exe") ?? s.journalExe
        s.history = try reader.int("history", in: 1...10_000) ?? s.history
        s.maxConnections = try reader.int("max_connections", in: 2...1024) ?? s.maxConnections
        return s
    }

    /// Whether `address` reaches only this machine: 127.0.0.0/8, ::1, localhost.
    public static func isLoopback(_ address: String) -> Bool {
        if address == "localhost" || address == "::1" { return true }
        var v4 = in_addr()
        return inet_pton(AF_INET, address, &v4) == 1 && UInt32(bigEndian: v4.s_addr) >> 24 == 127
    }

    /// The token, read from its credentials file; refuses a non-loopback address without one.
    public func accessToken(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AccessToken? {
        guard let token else {
            guard Self.isLoopback(address) else {
                throw ConfigError("address \(address) is not loopback: a token is required (token: in web.yaml, through LoadCredential=)")
            }
            return nil
        }
        let (path, text) = try Credentials.read(token, what: "the access token", environment: environment)
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // Only characters a URL and a cookie carry as they are: the token travels in both.
        guard secret.utf8.count >= 16, secret.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._~".contains($0)) }) else {
            throw ConfigError("\(path): the access token must be at least 16 letters, digits, -, ., _ or ~")
        }
        return AccessToken(secret)
    }
}
