import Foundation
import XCTest
@testable import LookoutBridges

final class TopicNameTests: XCTestCase {
    func testWildcardsSeparatorsAndControlCharactersBecomeUnderscores() {
        XCTAssertEqual(TopicName.level("a+b#c/d\u{1}e\u{7F}"), "a_b_c_d_e_")
        XCTAssertEqual(TopicName.level("tabby, tabby cat"), "tabby, tabby cat")
        XCTAssertEqual(TopicName.level(""), "_")
        XCTAssertEqual(TopicName.level(String(repeating: "x", count: 1000)).count, 200)
    }

    func testLabelsNamedLikeTheBridgesOwnTopicsGetAPrefix() {
        XCTAssertEqual(TopicName.label("events"), "label_events")
        XCTAssertEqual(TopicName.label("heartbeat"), "label_heartbeat")
        XCTAssertEqual(TopicName.label("cat"), "cat")
    }

    func testCameraIsTheLastPathComponent() {
        XCTAssertEqual(TopicName.camera("/dev/video0"), "video0")
        XCTAssertEqual(TopicName.camera("/work/shared/photos/"), "photos")
    }

    func testIdsAreStableAndKeepLabelsApartThatSanitiseAlike() {
        let a = TopicName.id("a/b"), b = TopicName.id("a+b")
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(a, TopicName.id("a/b"))
        XCTAssertTrue(a.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }, a)
    }
}

final class EventMessagesTests: XCTestCase {
    let topics = HomeAssistantTopics(prefix: "lookout", discoveryPrefix: "homeassistant", board: "pi")

    func entry(_ kind: String, _ extra: [String: String]) -> [String: String] {
        var fields = ["SYSLOG_IDENTIFIER": "lookoutd", "LOOKOUT_EVENT": kind, "LOOKOUT_CAMERA": "/dev/video0",
                      "LOOKOUT_MODEL_SHA256": "ab"]
        fields.merge(extra) { $1 }
        return fields
    }

    func json(_ message: MQTTMessage) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(message.payload))) as? [String: Any] ?? [:]
    }

    func testStartedPublishesDiscoveryThenStateThenEvent() throws {
        let messages = EventMessages(topics: topics, state: DiscoveryState(), snapshotMaxBytes: 1 << 20)
        let (out, notes) = messages.messages(for: entry("started", ["LOOKOUT_LABEL": "cat", "LOOKOUT_CONFIDENCE": "0.9"]), written: Date())
        XCTAssertEqual(notes, [])
        let topicsOut = out.map(\.topic)
        XCTAssertEqual(Array(topicsOut.suffix(2)), ["lookout/video0/cat", "lookout/video0/events"])
        XCTAssertEqual(out[out.count - 2].text, "ON")
        XCTAssertTrue(out[out.count - 2].retain)
        XCTAssertFalse(out.last!.retain)
        XCTAssertEqual(json(out.last!)["confidence"] as? Double, 0.9)
        // The camera's five configs and the label's, all retained, each with availability and a device.
        let configs = out.filter { $0.topic.hasPrefix("homeassistant/") }
        XCTAssertEqual(configs.count, 6)
        for config in configs {
            XCTAssertTrue(config.retain)
            let body = json(config)
            XCTAssertEqual(body["availability_topic"] as? String, "lookout/availability")
            XCTAssertNotNil((body["device"] as? [String: Any])?["identifiers"])
            XCTAssertNotNil(body["unique_id"])
        }
        let label = try XCTUnwrap(configs.first { $0.topic.hasPrefix("homeassistant/binary_sensor/") })
        XCTAssertEqual(json(label)["state_topic"] as? String, "lookout/video0/cat")
        // Seen again: no new config.
        let again = messages.messages(for: entry("ended", ["LOOKOUT_LABEL": "cat"]), written: Date()).messages
        XCTAssertEqual(again.map(\.topic), ["lookout/video0/cat", "lookout/video0/events"])
        XCTAssertEqual(again.first?.text, "OFF")
    }

    func testMalformedEntriesAreSkippedWithOneNote() {
        let messages = EventMessages(topics: topics, state: DiscoveryState(), snapshotMaxBytes: 1 << 20)
        let bad = messages.messages(for: entry("heartbeat", ["LOOKOUT_FPS": "fast", "LOOKOUT_CPU_CORES": "0.1", "LOOKOUT_CPU_BUDGET": "0.5"]), written: Date())
        XCTAssertEqual(bad.messages, [])
        XCTAssertEqual(bad.notes.count, 1)
        XCTAssertTrue(bad.notes[0].contains("fps is fast, not a number"), bad.notes[0])
        XCTAssertEqual(messages.messages(for: entry("started", [:]), written: Date()).notes.count, 1)
        // Not an event at all (a diagnostic line): passed over quietly.
        XCTAssertEqual(messages.messages(for: ["SYSLOG_IDENTIFIER": "lookoutd", "MESSAGE": "camera streaming"], written: Date()).notes, [])
    }

    func testHeartbeatCarriesNullsForUnknownReadings() {
        let messages = EventMessages(topics: topics, state: DiscoveryState(), snapshotMaxBytes: 1 << 20)
        let out = messages.messages(for: entry("heartbeat", ["LOOKOUT_FPS": "4.5", "LOOKOUT_CPU_CORES": "0.1", "LOOKOUT_CPU_BUDGET": "0.5"]), written: Date()).messages
        let heartbeat = out.last!
        XCTAssertEqual(heartbeat.topic, "lookout/video0/heartbeat")
        XCTAssertTrue(json(heartbeat)["temperature_c"] is NSNull)
        XCTAssertEqual(json(heartbeat)["fps"] as? Double, 4.5)
    }

    func testANewHeadReplacesTheLabelConfigs() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-head-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let manifest: [String: Any] = [
            "format": "lookout-head", "version": 1, "labels": ["fox", "hedgehog"],
            "baseModel": ["file": "m.tflite", "sha256": "ab"], "embeddingSize": 4,
            "input": ["width": 224, "height": 224, "crop": "none", "resize": "bilinear"],
            "weights": ["file": "head.safetensors", "sha256": "cd"], "training": [:],
            "metrics": ["trainTop1": 1, "trainImages": 2, "validationImages": 0], "created": "now", "lookoutVersion": "test",
        ]
        try JSONSerialization.data(withJSONObject: manifest).write(to: folder.appendingPathComponent("head.json"))
        let messages = EventMessages(topics: topics, state: DiscoveryState(), snapshotMaxBytes: 1 << 20)
        _ = messages.messages(for: entry("started", ["LOOKOUT_LABEL": "cat"]), written: Date())
        let out = messages.messages(for: entry("heartbeat", ["LOOKOUT_FPS": "1", "LOOKOUT_CPU_CORES": "0.1", "LOOKOUT_CPU_BUDGET": "0.5",
                                                             "LOOKOUT_HEAD": folder.path]), written: Date())
        XCTAssertEqual(out.notes, [])
        let removed = out.messages.filter { $0.payload.isEmpty }
        XCTAssertEqual(removed.map(\.topic), [topics.labelConfigTopic(camera: "/dev/video0", label: "cat")])
        let added = out.messages.filter { $0.topic.hasPrefix("homeassistant/binary_sensor/") && !$0.payload.isEmpty }
        XCTAssertEqual(added.compactMap { json($0)["name"] as? String }, ["fox", "hedgehog"])
        // A label outside the head gets no config of its own.
        let odd = messages.messages(for: entry("started", ["LOOKOUT_LABEL": "cat", "LOOKOUT_HEAD": folder.path]), written: Date())
        XCTAssertFalse(odd.messages.contains { $0.topic.hasPrefix("homeassistant/") })
        XCTAssertEqual(messages.allConfigs().count, 5 + 2)
    }
}

final class MQTTSettingsTests: XCTestCase {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mqtt-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testDefaultsFileAndEnvironment() throws {
        let path = try write("broker:\n  host: broker.lan\n  tls: true\ntopic_prefix: garden/lookout\n")
        let s = try MQTTSettings.load(file: path, environment: ["LOOKOUT_MQTT_BROKER_KEEPALIVE_SECONDS": "15"])
        XCTAssertEqual(s.broker.host, "broker.lan")
        XCTAssertEqual(s.broker.port, 8883)
        XCTAssertEqual(s.broker.keepaliveSeconds, 15)
        XCTAssertEqual(s.topicPrefix, "garden/lookout")
    }

    func testUnknownKeysWildcardsAndPasswordsInTheFileAreRefused() throws {
        XCTAssertThrowsError(try MQTTSettings.load(file: try write("broker:\n  password: x\n"), environment: [:])) {
            XCTAssertTrue("\($0)".contains("unknown key broker.password"), "\($0)")
        }
        XCTAssertThrowsError(try MQTTSettings.load(file: try write("topic_prefix: a/#\n"), environment: [:])) {
            XCTAssertTrue("\($0)".contains("topic_prefix"), "\($0)")
        }
    }

    func testCredentialsComeFromTheCredentialsDirectory() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("creds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "username: cam\npassword: \"p w\"\n".write(to: folder.appendingPathComponent("mqtt"), atomically: true, encoding: .utf8)
        var s = try MQTTSettings.load(file: try write("credentials: mqtt\n"), environment: [:])
        try s.loadCredentials(environment: ["CREDENTIALS_DIRECTORY": folder.path])
        XCTAssertEqual(s.broker.username, "cam")
        XCTAssertEqual(s.broker.password, "p w")
        XCTAssertThrowsError(try s.loadCredentials(environment: [:])) { XCTAssertTrue("\($0)".contains("CREDENTIALS_DIRECTORY"), "\($0)") }
    }
}
