import CMosquitto
import Foundation

/// An MQTT failure, in one line: what was tried and what the library or the broker said.
public struct MQTTError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }

    /// libmosquitto's code as text (its MOSQ_ERR_ERRNO means "see errno").
    static func text(_ code: Int32) -> String {
        code == Int32(MOSQ_ERR_ERRNO.rawValue) ? String(cString: strerror(errno)) : String(cString: mosquitto_strerror(code))
    }
}

let mosquittoOK = Int32(MOSQ_ERR_SUCCESS.rawValue)

/// Where and how to connect: the broker, TLS, the account, and the last will the broker publishes
/// when the connection dies without a goodbye.
public struct BrokerOptions: Sendable, Equatable {
    public var host = "localhost"
    public var port = 1883
    public var keepaliveSeconds = 30
    public var clientID = "lookout"
    public var tls = false
    /// PEM file of the authorities to trust; nil: the system's (/etc/ssl/certs).
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?
    public var username: String?
    public var password: String?
    public var will: Will?

    /// What the broker publishes (retained) when the connection dies without a goodbye.
    public struct Will: Sendable, Equatable {
        public var topic: String
        public var payload: String
    }

    public init() {}
}

/// One MQTT 3.1.1 connection through libmosquitto, driven from the calling thread (mosquitto_loop):
/// no thread of its own, so the bridge decides when to read the journal and when to wait on the
/// network. Publishes are QoS 1; `waitForAcks` returns once the broker has acknowledged (PUBACK)
/// every one so far. A lost connection is a thrown MQTTError; the bridge then starts a new client
/// (a clean session) and republishes from its cursor.
final class MosquittoClient {
    private let handle: OpaquePointer
    private let options: BrokerOptions
    private var connack: Int32?
    private var unacked: Set<Int32> = []

    private static let initialise: Void = { mosquitto_lib_init() }()

    init(_ options: BrokerOptions) throws {
        _ = Self.initialise
        guard let handle = mosquitto_new(options.clientID, true, nil) else {
            throw MQTTError("mqtt: cannot create a client (\(String(cString: strerror(errno))))")
        }
        self.handle = handle
        self.options = options
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        mosquitto_connect_callback_set(handle) { _, context, code in
            Unmanaged<MosquittoClient>.fromOpaque(context!).takeUnretainedValue().connack = code
        }
        mosquitto_publish_callback_set(handle) { _, context, mid in
            Unmanaged<MosquittoClient>.fromOpaque(context!).takeUnretainedValue().unacked.remove(mid)
        }
        try check(mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311), "set the protocol version")
        if let username = options.username {
            try check(mosquitto_username_pw_set(handle, username, options.password), "set the username")
        }
        if let will = options.will {
            try check(mosquitto_will_set(handle, will.topic, Int32(will.payload.utf8.count), will.payload, 1, true), "set the last will")
        }
        if options.tls {
            if options.caFile == nil {
                try check(mosquitto_int_option(handle, MOSQ_OPT_TLS_USE_OS_CERTS, 1), "use the system's certificate authorities")
            }
            try check(mosquitto_tls_set(handle, options.caFile, nil, options.certFile, options.keyFile, nil), "set up TLS")
        }
    }

    deinit { mosquitto_destroy(handle) }

    private var address: String { "\(options.tls ? "mqtts" : "mqtt")://\(options.host):\(options.port)" }

    private func check(_ code: Int32, _ what: String) throws {
        if code != mosquittoOK { throw MQTTError("mqtt: cannot \(what): \(MQTTError.text(code))") }
    }

    /// Connects and waits for the broker's answer (CONNACK), at most `timeout` seconds of silence.
    func connect(timeout: Double) throws {
        let code = mosquitto_connect(handle, options.host, Int32(options.port), Int32(options.keepaliveSeconds))
        if code != mosquittoOK { throw MQTTError("mqtt: cannot reach \(address): \(MQTTError.text(code))") }
        let start = Date()
        while connack == nil {
            let code = mosquitto_loop(handle, 100, 1)
            if code != mosquittoOK, connack == nil { throw MQTTError("mqtt: \(address) closed the connection: \(MQTTError.text(code))") }
            if Date().timeIntervalSince(start) > timeout { throw MQTTError("mqtt: \(address) did not answer within \(Int(timeout)) s") }
        }
        if connack != 0 { throw MQTTError("mqtt: \(address) refused the connection: \(String(cString: mosquitto_connack_string(connack!)))") }
    }

    /// Queues one QoS 1 message; the broker's PUBACK is awaited by `waitForAcks`.
    func publish(_ topic: String, _ payload: [UInt8], retain: Bool) throws {
        var mid: Int32 = 0
        let code = payload.withUnsafeBytes { mosquitto_publish(handle, &mid, topic, Int32($0.count), $0.baseAddress, 1, retain) }
        if code != mosquittoOK { throw MQTTError("mqtt: lost the connection to \(address) publishing to \(topic): \(MQTTError.text(code))") }
        unacked.insert(mid)
    }

    func publish(_ topic: String, _ text: String, retain: Bool) throws { try publish(topic, Array(text.utf8), retain: retain) }

    /// Runs the network for up to `milliseconds`: sends what is queued, reads acknowledgements, keeps alive.
    func pump(milliseconds: Int32) throws {
        let code = mosquitto_loop(handle, milliseconds, 1)
        if code != mosquittoOK { throw MQTTError("mqtt: lost the connection to \(address): \(MQTTError.text(code))") }
    }

    /// Returns once the broker has acknowledged everything published so far.
    func waitForAcks() throws {
        while !unacked.isEmpty { try pump(milliseconds: 100) }
    }

    /// A clean goodbye: the broker does not publish the last will.
    func disconnect() {
        mosquitto_disconnect(handle)
    }
}
