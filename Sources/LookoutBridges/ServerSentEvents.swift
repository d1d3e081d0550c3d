import Foundation

/// The text/event-stream format (HTML's server-sent events): `id:`, `event:` and one `data:` line
/// per line of the payload. A payload's CR and LF never end a field early: lines are split on them,
/// and the event name keeps only what a field may hold.
public enum ServerSentEvents {
    public static func message(id: Int?, event: String?, data: String) -> String {
        var out = ""
        if let id { out += "id: \(id)\n" }
        if let event { out += "event: \(String(event.unicodeScalars.filter { $0.value >= 0x20 && $0 != ":" }))\n" }
        let lines = data.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .flatMap { $0.split(separator: "\r", omittingEmptySubsequences: false) }
        for line in lines { out += "data: \(line)\n" }
        return out + "\n"
    }

    /// A comment line: keeps proxies from closing an idle stream and finds clients that left.
    public static let keepalive = ": keepalive\n\n"
}
