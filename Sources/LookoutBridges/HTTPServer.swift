import Foundation
import LookoutDaemon

/// A response: a whole body, or a stream (server-sent events) written until the client goes.
public enum HTTPReply {
    case whole(status: Int, headers: [(String, String)], body: [UInt8])
    case stream(headers: [(String, String)], write: (HTTPStream) -> Void)

    public static func text(_ status: Int, _ text: String) -> HTTPReply {
        .whole(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array((text + "\n").utf8))
    }
}

/// A streamed response's connection: `send` returns false once the client is gone (or stuck past
/// the send timeout), and the writer stops.
public final class HTTPStream {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }

    public func send(_ bytes: [UInt8]) -> Bool { HTTPServer.sendAll(fd, bytes) }
}

/// A small HTTP/1.1 server on sockets for the live view: GET only, one request per connection
/// (`Connection: close`), a thread per connection. Clients are untrusted: the request head is
/// bounded (HTTPRequest.maxHeadBytes) and must arrive within `headSeconds` in all; a client that
/// stops reading is dropped after `sendSeconds`; at most `maxConnections` are served at once, half
/// of them streams, and those beyond get a 503 and are closed.
public final class HTTPServer: @unchecked Sendable {
    public typealias Handler = (HTTPRequest) -> HTTPReply

    let listener: Int32
    let maxConnections: Int
    let handler: Handler
    public let headSeconds = 10.0, sendSeconds = 10.0
    private let lock = NSLock()
    private var connections = 0, streams = 0

    /// Binds and listens; one line naming the address and the cause when it cannot.
    public init(address: String, port: Int, maxConnections: Int, handler: @escaping Handler) throws {
        (self.maxConnections, self.handler) = (maxConnections, handler)
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(address, String(port), &hints, &found)
        guard status == 0, let info = found else {
            throw ConfigError("address \(address): cannot resolve (\(String(cString: gai_strerror(status))))")
        }
        defer { freeaddrinfo(found) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ConfigError("\(address):\(port): cannot open a socket (\(String(cString: strerror(errno))))") }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, listen(fd, 64) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ConfigError("\(address):\(port): cannot listen (\(reason))")
        }
        listener = fd
    }

    deinit { close(listener) }

    /// Accepts until `stopped()` says so (checked twice a second).
    public func run(until stopped: () -> Bool) {
        while !stopped() {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 500) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            let admitted = lock.withLock { () -> Bool in
                guard connections < maxConnections else { return false }
                connections += 1
                return true
            }
            guard admitted else {
                Self.setTimeout(client, SO_SNDTIMEO, 1)
                _ = Self.sendAll(client, Self.head(status: 503, headers: [("Retry-After", "5")], length: 0))
                close(client)
                continue
            }
            Thread {
                self.serve(client)
                close(client)
                self.lock.withLock { self.connections -= 1 }
            }.start()
        }
    }

    func serve(_ fd: Int32) {
        Self.setTimeout(fd, SO_RCVTIMEO, 1)
        Self.setTimeout(fd, SO_SNDTIMEO, sendSeconds)
        let request: HTTPRequest
        switch readHead(fd) {
        case .success(let parsed): request = parsed
        case .failure(let refusal):
            if refusal.status > 0 { respond(fd, .text(refusal.status, refusal.reason), headOnly: false) }
            return
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            respond(fd, .whole(status: 405, headers: [("Allow", "GET, HEAD"), ("Content-Type", "text/plain")],
                               body: Array("read-only: GET only\n".utf8)), headOnly: false)
            return
        }
        respond(fd, handler(request), headOnly: request.method == "HEAD")
    }

    /// The request head, within `headSeconds` and `maxHeadBytes`; status 0: the client left or dawdled.
    func readHead(_ fd: Int32) -> Result<HTTPRequest, HTTPRequest.Refusal> {
        let deadline = Date().addingTimeInterval(headSeconds)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2048)
        while Date() < deadline {
            let count = recv(fd, &chunk, chunk.count, 0)
            if count == 0 { return .failure(.init(status: 0, reason: "closed")) }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                return .failure(.init(status: 0, reason: "closed"))
            }
            bytes += chunk[0..<count]
            if let end = HTTPRequest.headEnd(in: bytes) {
                do { return .success(try HTTPRequest.parse(Array(bytes[0..<end]))) } catch let refusal as HTTPRequest.Refusal {
                    return .failure(refusal)
                } catch { return .failure(.init(status: 400, reason: "malformed request")) }
            }
            if bytes.count > HTTPRequest.maxHeadBytes {
                return .failure(.init(status: 431, reason: "request head larger than \(HTTPRequest.maxHeadBytes) bytes"))
            }
        }
        return .failure(.init(status: 408, reason: "request head not received within \(Int(headSeconds)) s"))
    }

    func respond(_ fd: Int32, _ reply: HTTPReply, headOnly: Bool) {
        switch reply {
        case .whole(let status, let headers, let body):
            guard Self.sendAll(fd, Self.head(status: status, headers: headers, length: body.count)), !headOnly else { return }
            _ = Self.sendAll(fd, body)
        case .stream(let headers, let write):
            let admitted = lock.withLock { () -> Bool in
                guard streams < maxConnections / 2 else { return false }
                streams += 1
                return true
            }
            guard admitted else {
                respond(fd, .text(503, "too many live pages open"), headOnly: headOnly)
                return
            }
            defer { lock.withLock { streams -= 1 } }
            guard Self.sendAll(fd, Self.head(status: 200, headers: headers, length: nil)), !headOnly else { return }
            write(HTTPStream(fd: fd))
        }
    }

    public var openStreams: Int { lock.withLock { streams } }

    static let reasons = [200: "OK", 304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
                          405: "Method Not Allowed", 408: "Request Timeout", 413: "Payload Too Large",
                          431: "Request Header Fields Too Large", 500: "Internal Server Error", 503: "Service Unavailable"]

    /// The status line and headers; the headers every response carries come first.
    static func head(status: Int, headers: [(String, String)], length: Int?) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(reasons[status] ?? "Status")\r\n"
        var all = [("Connection", "close"), ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"),
                   ("Referrer-Policy", "no-referrer")]
        if let length { all.append(("Content-Length", String(length))) }
        for (name, value) in all + headers { text += "\(name): \(value)\r\n" }
        return Array((text + "\r\n").utf8)
    }

    static func setTimeout(_ fd: Int32, _ option: Int32, _ seconds: Double) {
        var t = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, option, &t, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes everything, or returns false (client gone, or not reading within the send timeout).
    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += sent
        }
        return true
    }
}
