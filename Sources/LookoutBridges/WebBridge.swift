import Foundation
import LookoutDaemon
import LookoutJournal

/// `lookout web`: the live view. Serves the page, lookoutd's latest frame and its labels (from
/// lookoutd's runtime folder), recent events and heartbeats from the journal as server-sent events,
/// and the installed head's report.html; GET only. While a page is open (an event stream is
/// connected) it touches lookoutd's watch marker, so lookoutd writes frames only then.
public final class WebBridge: @unchecked Sendable {
    let settings: WebSettings
    let token: AccessToken?
    let entries: LookoutdEntries
    let stop: StopRequest
    let log: (String) -> Void
    let recent: RecentEvents
    let live: URL
    private var server: HTTPServer?
    /// The longest a stream waits before a keepalive: a client that left is found this often.
    static let keepaliveSeconds = 5.0
    static let csp = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self'; connect-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

    public init(settings: WebSettings, token: AccessToken?, entries: LookoutdEntries, stop: StopRequest, log: @escaping (String) -> Void) {
        (self.settings, self.token, self.entries, self.stop, self.log) = (settings, token, entries, stop, log)
        recent = RecentEvents(capacity: settings.history)
        live = URL(fileURLWithPath: settings.livePath, isDirectory: true)
    }

    /// Listens, then serves until SIGTERM/SIGINT; the journal is followed on its own thread.
    public func run() throws {
        let server = try HTTPServer(address: settings.address, port: settings.port, maxConnections: settings.maxConnections) { [unowned self] in
            self.route($0)
        }
        self.server = server
        log("serving the live view on http://\(settings.address.contains(":") ? "[\(settings.address)]" : settings.address):\(settings.port)/"
            + (token == nil ? "" : " (token required)"))
        let follower = Thread { [self] in
            do {
                try recent.follow(entries, since: Date().addingTimeInterval(-3600), stopped: { self.stop.requested }, log: log)
            } catch {
                log("journal: \(error); recent events stop here")
            }
        }
        follower.start()
        let marker = Thread { [self] in
            while !stop.requested {
                if server.openStreams > 0 { touchMarker() }
                stop.sleep(settings.watchRefreshSeconds)
            }
        }
        marker.start()
        server.run(until: { stop.requested })
    }

    /// Refreshes the marker's mtime (said once when it cannot, and once when it can again).
    private var markerFailing = false
    private let markerLock = NSLock()
    func touchMarker() {
        markerLock.lock()
        defer { markerLock.unlock() }
        let path = live.appendingPathComponent(LiveFrame.markerName).path
        let fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o660)
        let ok = fd >= 0 && futimens(fd, nil) == 0
        let reason = String(cString: strerror(errno))
        if fd >= 0 { close(fd) }
        if !ok, !markerFailing { log("live view: cannot touch \(path) (\(reason)); lookoutd will not write frames") }
        if ok, markerFailing { log("live view: touching \(path) again") }
        markerFailing = !ok
    }

    func route(_ request: HTTPRequest) -> HTTPReply {
        var cookie: [(String, String)] = []
        if let token {
            guard token.admits(request) else {
                return .whole(status: 401, headers: [("Content-Type", "text/plain"), ("WWW-Authenticate", "Bearer")],
                              body: Array("a token is required: open the link with ?token=...\n".utf8))
            }
            // The link's token becomes a cookie, so the page's image, fetches and event stream carry it.
            if let given = request.query["token"], token.matches(given) {
                cookie = [("Set-Cookie", "\(AccessToken.cookieName)=\(given); HttpOnly; SameSite=Strict; Path=/")]
            }
        }
        let reply: HTTPReply
        switch request.path {
        case "/": reply = page(WebPage.html, type: "text/html; charset=utf-8")
        case "/app.js": reply = page(WebPage.script, type: "text/javascript; charset=utf-8")
        case "/state": reply = page(recent.snapshot(), type: "application/json")
        case "/events": reply = events(after: Int(request.query["after"] ?? request.header("last-event-id") ?? "") ?? 0)
        case "/frame.jpg": reply = file(live.appendingPathComponent(LiveFrame.frameName), type: "image/jpeg", maxBytes: 8 << 20)
        case "/frame.json": reply = file(live.appendingPathComponent(LiveFrame.labelsName), type: "application/json", maxBytes: 64 << 10)
        case "/head/report.html":
            guard let head = recent.currentHead else { return .text(404, "no head installed: lookoutd uses the model's own labels") }
            reply = file(URL(fileURLWithPath: head).appendingPathComponent("report.html"), type: "text/html; charset=utf-8", maxBytes: 64 << 20,
                         extra: [("Content-Security-Policy", "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox")])
        default: reply = .text(404, "not found")
        }
        guard case .whole(let status, let headers, let body) = reply, !cookie.isEmpty else { return reply }
        return .whole(status: status, headers: headers + cookie, body: body)
    }

    func page(_ text: String, type: String) -> HTTPReply {
        .whole(status: 200, headers: [("Content-Type", type), ("Content-Security-Policy", Self.csp)], body: Array(text.utf8))
    }

    /// A regular file (never through a link), bounded in size.
    func file(_ url: URL, type: String, maxBytes: Int, extra: [(String, String)] = []) -> HTTPReply {
        let fd = open(url.path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return .text(404, "\(url.lastPathComponent): none yet") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) <= maxBytes else {
            return .text(404, "\(url.lastPathComponent): not a regular file of at most \(maxBytes) bytes")
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            offset += count
        }
        return .whole(status: 200, headers: [("Content-Type", type)] + extra, body: Array(bytes[0..<offset]))
    }

    /// New events and heartbeats as they come, until the client leaves or the bridge stops.
    func events(after id: Int) -> HTTPReply {
        .stream(headers: [("Content-Type", "text/event-stream")]) { [self] stream in
            touchMarker()  // a page just opened: frames from now, not at the next refresh
            var last = id
            while !stop.requested {
                let items = recent.items(after: last, waiting: Self.keepaliveSeconds)
                let text = items.isEmpty ? ServerSentEvents.keepalive
                    : items.map { ServerSentEvents.message(id: $0.id, event: nil, data: $0.wire) }.joined()
                guard stream.send(Array(text.utf8)) else { return }
                last = items.last?.id ?? last
            }
        }
    }
}
