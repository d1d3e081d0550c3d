import Foundation
import XCTest
@testable import LookoutBridges

final class HTTPRequestTests: XCTestCase {
    func head(_ text: String) -> [UInt8] { Array(text.utf8) }

    func testParsesMethodPathQueryAndHeaders() throws {
        let r = try HTTPRequest.parse(head("GET /events?after=12&token=a%2Bb HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 7\r\nHost: y\r\n\r\n"))
        XCTAssertEqual(r.method, "GET")
        XCTAssertEqual(r.path, "/events")
        XCTAssertEqual(r.query, ["after": "12", "token": "a+b"])
        XCTAssertEqual(r.header("last-event-id"), "7")
        XCTAssertEqual(r.header("Host"), "x", "a repeated header keeps its first value")
    }

    func testHeadEndIsFoundOnlyOnceTheBlankLineCame() {
        XCTAssertNil(HTTPRequest.headEnd(in: head("GET / HTTP/1.1\r\nHost: x\r\n")))
        XCTAssertEqual(HTTPRequest.headEnd(in: head("GET / HTTP/1.1\r\n\r\nbody")), 18)
    }

    func refusal(_ text: String) -> Int? {
        do { _ = try HTTPRequest.parse(head(text)); return nil } catch let r as HTTPRequest.Refusal { return r.status } catch { return -1 }
    }

    func testBoundsAndMalformedHeadsAreRefused() {
        XCTAssertEqual(refusal("GET /" + String(repeating: "a", count: HTTPRequest.maxHeadBytes) + " HTTP/1.1\r\n\r\n"), 431)
        let many = (0...HTTPRequest.maxHeaders).map { "X-\($0): 1\r\n" }.joined()
        XCTAssertEqual(refusal("GET / HTTP/1.1\r\n\(many)\r\n"), 431)
        XCTAssertEqual(refusal("GET / HTTP/2\r\n\r\n"), 400)
        XCTAssertEqual(refusal("GET  / HTTP/1.1\r\n\r\n"), 400)
        XCTAssertEqual(refusal("GET http://x/ HTTP/1.1\r\n\r\n"), 400)
        XCTAssertEqual(refusal("GET / HTTP/1.1\r\nNo colon\r\n\r\n"), 400)
        XCTAssertEqual(refusal("GET / HTTP/1.1\r\nBad name: 1\r\n\r\n"), 400)
        XCTAssertEqual(refusal("GET /%zz HTTP/1.1\r\n\r\n"), 400)
        XCTAssertEqual(refusal("\r\n\r\n"), 400)
    }

    func testNonUTF8IsRefused() {
        XCTAssertEqual((try? HTTPRequest.parse([0x47, 0x45, 0x54, 0x20, 0xFF, 13, 10, 13, 10])).map { _ in 0 } ?? 400, 400)
    }
}

final class ServerSentEventsTests: XCTestCase {
    func testIdAndDataLines() {
        XCTAssertEqual(ServerSentEvents.message(id: 3, event: nil, data: "{\"a\":1}"), "id: 3\ndata: {\"a\":1}\n\n")
    }

    func testLineBreaksInThePayloadNeverEndTheMessageEarly() {
        let message = ServerSentEvents.message(id: nil, event: "x\ny:z", data: "a\r\nb\rc\nd")
        XCTAssertEqual(message, "event: xyz\ndata: a\ndata: b\ndata: c\ndata: d\n\n")
        XCTAssertEqual(message.components(separatedBy: "\n\n").count, 2, "one message")
    }
}

final class AccessTokenTests: XCTestCase {
    let token = AccessToken("0123456789abcdef-token")

    func request(_ target: String, _ headers: String = "") throws -> HTTPRequest {
        try HTTPRequest.parse(Array("GET \(target) HTTP/1.1\r\n\(headers)\r\n".utf8))
    }

    func testMatchesOnlyTheWholeToken() {
        XCTAssertTrue(token.matches("0123456789abcdef-token"))
        XCTAssertFalse(token.matches("0123456789abcdef-toke"))
        XCTAssertFalse(token.matches("0123456789abcdef-tokenX"))
        XCTAssertFalse(token.matches(""))
        XCTAssertFalse(token.matches("1123456789abcdef-token"))
    }

    func testAcceptedFromBearerQueryOrCookie() throws {
        XCTAssertTrue(token.admits(try request("/", "Authorization: Bearer 0123456789abcdef-token\r\n")))
        XCTAssertTrue(token.admits(try request("/?token=0123456789abcdef-token")))
        XCTAssertTrue(token.admits(try request("/frame.jpg", "Cookie: a=b; lookout_token=0123456789abcdef-token\r\n")))
        XCTAssertFalse(token.admits(try request("/")))
        XCTAssertFalse(token.admits(try request("/?token=wrong", "Cookie: lookout_token=\r\n")))
        XCTAssertFalse(token.admits(try request("/", "Authorization: Basic MDEyMzQ1Njc4OWFiY2RlZi10b2tlbg==\r\n")))
    }
}

final class WebSettingsTests: XCTestCase {
    func temporary(_ name: String, _ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-web-\(UUID().uuidString)-\(name)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    func testShippedFileHoldsTheDefaults() throws {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Config/web.yaml").path
        XCTAssertEqual(try WebSettings.load(file: shipped, environment: [:]), WebSettings())
        let text = try String(contentsOfFile: shipped, encoding: .utf8)
        for key in WebSettings.keys { XCTAssertTrue(text.contains("\(key.split(separator: ".").last!):"), key) }
    }

    func testKeysAndEnvironmentOverrides() throws {
        let file = try temporary("web.yaml", "address: 0.0.0.0\nport: 9000\ntoken: web\nlive: {path: /tmp/live, refresh_seconds: 1}\n")
        let s = try WebSettings.load(file: file, environment: ["LOOKOUT_WEB_PORT": "9001"])
        XCTAssertEqual(s.address, "0.0.0.0")
        XCTAssertEqual(s.port, 9001)
        XCTAssertEqual(s.token, "web")
        XCTAssertEqual(s.livePath, "/tmp/live")
        XCTAssertEqual(s.watchRefreshSeconds, 1)
    }

    func testBadValuesNameTheKey() throws {
        for (text, key) in [("port: 0\n", "port"), ("colour: red\n", "unknown key colour"), ("live: {refresh_seconds: 0}\n", "live.refresh_seconds")] {
            let file = try temporary("bad.yaml", text)
            XCTAssertThrowsError(try WebSettings.load(file: file, environment: [:])) { error in
                XCTAssertTrue("\(error)".contains(key), "\(error)")
            }
        }
    }

    func testLoopback() {
        for address in ["127.0.0.1", "127.1.2.3", "::1", "localhost"] { XCTAssertTrue(WebSettings.isLoopback(address), address) }
        for address in ["0.0.0.0", "192.168.1.10", "::", "128.0.0.1", "example"] { XCTAssertFalse(WebSettings.isLoopback(address), address) }
    }

    func testNonLoopbackWithoutTokenIsRefusedInOneLine() {
        var s = WebSettings()
        XCTAssertNil(try s.accessToken(environment: [:]))
        s.address = "0.0.0.0"
        XCTAssertThrowsError(try s.accessToken(environment: [:])) { error in
            XCTAssertEqual("\(error)", "address 0.0.0.0 is not loopback: a token is required (token: in web.yaml, through LoadCredential=)")
        }
    }

    func testTokenComesFromTheCredentialsFolderAndMustBeStrong() throws {
        let good = try temporary("good", "0123456789abcdef-token\n")
        var s = WebSettings()
        s.address = "0.0.0.0"
        s.token = (good as NSString).lastPathComponent
        let folder = (good as NSString).deletingLastPathComponent
        XCTAssertEqual(try s.accessToken(environment: ["CREDENTIALS_DIRECTORY": folder]), AccessToken("0123456789abcdef-token"))
        XCTAssertThrowsError(try s.accessToken(environment: [:])) { XCTAssertTrue("\($0)".contains("CREDENTIALS_DIRECTORY is not set"), "\($0)") }
        for weak in ["short", "0123456789abcdef token", "0123456789abcdef;token"] {
            s.token = try temporary("weak", weak)
            XCTAssertThrowsError(try s.accessToken(environment: [:])) { XCTAssertTrue("\($0)".contains("at least 16"), "\($0)") }
        }
    }
}

final class RecentEventsTests: XCTestCase {
    func entry(_ kind: String, _ extra: [String: String]) -> [String: String] {
        ["LOOKOUT_EVENT": kind, "LOOKOUT_CAMERA": "/dev/video0"].merging(extra) { $1 }
    }

    func testActiveLabelsHeadAndResumingAfterAnId() throws {
        let recent = RecentEvents(capacity: 3)
        XCTAssertNil(recent.take(entry("started", ["LOOKOUT_LABEL": "cat", "LOOKOUT_CONFIDENCE": "0.9"]), written: Date()))
        XCTAssertNil(recent.take(entry("heartbeat", ["LOOKOUT_FPS": "2", "LOOKOUT_CPU_CORES": "0.1", "LOOKOUT_CPU_BUDGET": "0.5",
                                                     "LOOKOUT_HEAD": "/var/lib/lookout/heads/garden"]), written: Date()))
        XCTAssertEqual(recent.currentHead, "/var/lib/lookout/heads/garden")
        XCTAssertNotNil(recent.take(entry("heartbeat", ["LOOKOUT_FPS": "fast"]), written: Date()), "malformed: a note")
        let state = try JSONSerialization.jsonObject(with: Data(recent.snapshot().utf8)) as! [String: Any]
        XCTAssertEqual(state["active"] as? [String: [String]], ["/dev/video0": ["cat"]])
        XCTAssertEqual(state["last_id"] as? Int, 2)
        XCTAssertEqual((state["items"] as? [[String: Any]])?.count, 2)
        XCTAssertEqual(recent.items(after: 1, waiting: 0).map(\.kind), ["heartbeat"])
        XCTAssertEqual(recent.items(after: 99, waiting: 0).count, 2, "an id from before a restart starts over")
        for _ in 0..<3 { _ = recent.take(entry("ended", ["LOOKOUT_LABEL": "cat"]), written: Date()) }
        XCTAssertEqual(recent.items(after: 0, waiting: 0).map(\.id), [3, 4, 5], "bounded")
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(recent.snapshot().utf8)) as! [String: Any])["active"] as? [String: [String]],
                       ["/dev/video0": []])
    }

    func testAHostileLabelStaysOneJSONString() throws {
        let recent = RecentEvents(capacity: 4)
        let label = "<script>alert(1)</script>\u{1}\n\"x"
        XCTAssertNil(recent.take(entry("started", ["LOOKOUT_LABEL": label, "LOOKOUT_CONFIDENCE": "0.9"]), written: Date()))
        let wire = recent.items(after: 0, waiting: 0)[0].wire
        XCTAssertFalse(wire.contains("\n"))
        XCTAssertFalse(wire.unicodeScalars.contains { $0.value < 0x20 })
        let decoded = try JSONSerialization.jsonObject(with: Data(wire.utf8)) as! [String: Any]
        XCTAssertEqual((decoded["event"] as? [String: Any])?["label"] as? String, label)
    }

    func testAWaitingPageWakesForANewItem() {
        let recent = RecentEvents(capacity: 4)
        let got = expectation(description: "woken")
        Thread {
            if recent.items(after: 0, waiting: 600).count == 1 { got.fulfill() }
        }.start()
        _ = recent.take(entry("started", ["LOOKOUT_LABEL": "cat", "LOOKOUT_CONFIDENCE": "0.9"]), written: Date())
        wait(for: [got], timeout: 600)
    }
}
