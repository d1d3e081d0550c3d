import Foundation
import LookoutJournal

/// `lookout mqtt`: lookoutd's journal entries to an MQTT broker, with Home Assistant discovery.
/// The journal is the queue. Entries are published in order, a batch at a time (QoS 1); once the
/// broker has acknowledged a whole batch, the cursor of its last entry is saved in the state folder.
/// After an outage or a restart the bridge seeks back to that cursor and publishes from there, so
/// nothing is lost, and what the broker acknowledged is not sent again.
public final class MQTTBridge {
    let settings: MQTTSettings
    let context: BridgeContext
    let messages: EventMessages
    var entries: LookoutdEntries { context.entries }
    var folder: StateFolder { context.folder }
    var stop: StopRequest { context.stop }
    var log: (String) -> Void { context.log }
    static let discoveryFile = "discovery.json"
    /// Entries per acknowledged batch: a cursor write per batch, not per entry.
    static let batchSize = 64

    public init(settings: MQTTSettings, context: BridgeContext, board: String) {
        (self.settings, self.context) = (settings, context)
        let topics = HomeAssistantTopics(prefix: settings.topicPrefix, discoveryPrefix: settings.discoveryPrefix, board: board)
        messages = EventMessages(topics: topics, state: context.folder.load(DiscoveryState.self, from: Self.discoveryFile) ?? DiscoveryState(),
                                 snapshotMaxBytes: settings.snapshotMaxBytes)
    }

    var availabilityTopic: String { messages.topics.availability }

    /// Runs until SIGTERM/SIGINT: connects (retrying with backoff, one line per new kind of failure),
    /// publishes, and reconnects whenever the connection is lost.
    public func run() throws {
        var options = settings.broker
        options.will = .init(topic: availabilityTopic, payload: "offline")
        var backoff = Backoff(maximum: settings.retryMaxSeconds)
        var lastFailure: String?
        var failures = 0
        while !stop.requested {
            let client: MosquittoClient
            do {
                client = try MosquittoClient(options)
                try client.connect(timeout: Double(options.keepaliveSeconds))
            } catch {
                failures += 1
                let delay = backoff.delay()
                let text = "\(error)"
                if text != lastFailure { log("\(text); retrying with backoff (up to \(Int(settings.retryMaxSeconds)) s)") }
                lastFailure = text
                stop.sleep(delay)
                continue
            }
            if failures > 0 { log("mqtt: connected to \(options.host):\(options.port) after \(failures) failed attempt\(failures == 1 ? "" : "s")") }
            else { log("mqtt: connected to \(options.host):\(options.port)") }
            (failures, lastFailure) = (0, nil)
            backoff.reset()
            do {
                try serve(client)
                // Asked to stop: say so before the goodbye (the will is only for a lost connection).
                try client.publish(availabilityTopic, "offline", retain: true)
                try client.waitForAcks()
                client.disconnect()
            } catch let error as MQTTError {
                log("\(error); reconnecting")
                lastFailure = nil
                stop.sleep(backoff.delay())
            }
        }
    }

    /// One connection's work: availability and configs, then entries from the saved cursor on.
    func serve(_ client: MosquittoClient) throws {
        if let lost = try entries.resume(after: folder.cursor()) { log(lost) }
        try client.publish(availabilityTopic, "online", retain: true)
        for config in messages.allConfigs() { try client.publish(config.topic, config.payload, retain: true) }
        try client.waitForAcks()
        while !stop.requested {
            var last: JournalEntry?
            let discoveryBefore = messages.state
            for _ in 0..<Self.batchSize {
                guard let entry = try entries.next() else { break }
                let (out, notes) = messages.messages(for: entry.fields, written: entry.time)
                notes.forEach(log)
                for message in out { try client.publish(message.topic, message.payload, retain: message.retain) }
                last = entry
            }
            guard let last else {
                try client.pump(milliseconds: 0)
                try entries.wait(seconds: 0.5)
                continue
            }
            try client.waitForAcks()
            if messages.state != discoveryBefore { try folder.save(messages.state, to: Self.discoveryFile) }
            try folder.saveCursor(last.cursor)
        }
    }
}
