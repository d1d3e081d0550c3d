import Foundation

/// One MQTT message to publish (QoS 1).
public struct MQTTMessage: Equatable {
    public let topic: String
    public let payload: [UInt8]
    public let retain: Bool

    init(_ topic: String, _ payload: [UInt8], retain: Bool) { (self.topic, self.payload, self.retain) = (topic, payload, retain) }
    init(_ topic: String, text: String, retain: Bool) { self.init(topic, Array(text.utf8), retain: retain) }
    init(_ topic: String, json: [String: Any], retain: Bool) {
        let data = (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        self.init(topic, Array(data), retain: retain)
    }

    public var text: String { String(decoding: payload, as: UTF8.self) }
}

/// The topics the bridge publishes and the Home Assistant MQTT discovery configs that describe them
/// (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery): per camera one device with a
/// binary sensor per label, sensors fed by the heartbeats and an image entity for inbox snapshots.
/// Every entity names the availability topic the bridge's last will keeps at online/offline.
public struct HomeAssistantTopics {
    public let prefix: String
    public let discoveryPrefix: String
    /// Tells this board's devices apart from other boards' on the same broker (the host name).
    public let board: String

    public init(prefix: String, discoveryPrefix: String, board: String) {
        (self.prefix, self.discoveryPrefix, self.board) = (prefix, discoveryPrefix, board)
    }

    public var availability: String { "\(prefix)/availability" }
    public func state(camera: String, label: String) -> String { "\(prefix)/\(TopicName.camera(camera))/\(TopicName.label(label))" }
    public func events(camera: String) -> String { "\(prefix)/\(TopicName.camera(camera))/events" }
    public func heartbeat(camera: String) -> String { "\(prefix)/\(TopicName.camera(camera))/heartbeat" }
    public func snapshot(camera: String) -> String { "\(prefix)/\(TopicName.camera(camera))/snapshot" }

    /// Home Assistant's node id for one camera of this board.
    func node(camera: String) -> String { "lookout_" + TopicName.id("\(board) \(TopicName.camera(camera))") }

    func device(camera: String) -> [String: Any] {
        ["identifiers": [node(camera: camera)], "name": "Lookout \(TopicName.camera(camera)) on \(board)",
         "manufacturer": "Lookout", "model": "lookoutd"]
    }

    func config(component: String, camera: String, object: String, name: String, _ fields: [String: Any]) -> MQTTMessage {
        let node = node(camera: camera)
        var config: [String: Any] = [
            "name": name, "unique_id": "\(node)_\(object)", "device": device(camera: camera),
            "availability_topic": availability, "payload_available": "online", "payload_not_available": "offline",
        ]
        config.merge(fields) { $1 }
        return MQTTMessage("\(discoveryPrefix)/\(component)/\(node)/\(object)/config", json: config, retain: true)
    }

    /// Where a label's binary sensor's config lives; an empty retained message there removes it.
    public func labelConfigTopic(camera: String, label: String) -> String {
        "\(discoveryPrefix)/binary_sensor/\(node(camera: camera))/\(TopicName.id(label))/config"
    }

    /// A binary sensor that is on while lookoutd sees the label (started → ON, ended → OFF, retained).
    public func labelConfig(camera: String, label: String) -> MQTTMessage {
        config(component: "binary_sensor", camera: camera, object: TopicName.id(label), name: label, [
            "state_topic": state(camera: camera, label: label), "payload_on": "ON", "payload_off": "OFF",
        ])
    }

    /// The camera's sensors (from heartbeats) and its snapshot image.
    public func cameraConfigs(camera: String) -> [MQTTMessage] {
        let heartbeat = heartbeat(camera: camera)
        func sensor(_ object: String, _ name: String, _ template: String, unit: String, deviceClass: String? = nil) -> MQTTMessage {
            var fields: [String: Any] = [
                "state_topic": heartbeat, "value_template": template, "unit_of_measurement": unit, "state_class": "measurement",
            ]
            if let deviceClass { fields["device_class"] = deviceClass }
            return config(component: "sensor", camera: camera, object: object, name: name, fields)
        }
        return [
            sensor("fps", "Classifications per second", "{{ value_json.fps }}", unit: "fps"),
            sensor("cpu_budget", "CPU use of budget", "{{ (100 * value_json.cpu_cores / value_json.cpu_budget) | round(1) }}", unit: "%"),
            sensor("temperature", "Temperature", "{{ value_json.temperature_c }}", unit: "°C", deviceClass: "temperature"),
            sensor("power", "Estimated power", "{{ value_json.power_w_estimate }}", unit: "W", deviceClass: "power"),
            config(component: "image", camera: camera, object: "snapshot", name: "Snapshot", [
                "image_topic": snapshot(camera: camera), "content_type": "image/jpeg",
            ]),
        ]
    }
}
