import ArgumentParser
import Foundation
import LookoutBridges
import LookoutJournal

struct Mqtt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mqtt",
        abstract: "Publish lookoutd's events to an MQTT broker, with Home Assistant discovery.",
        discussion: """
            Follows lookoutd's journal entries (only those lookoutd wrote, judged as `lookout tail` judges them) and \
            publishes each event at QoS 1: ON/OFF on <prefix>/<camera>/<label> (retained), the event's JSON on \
            <prefix>/<camera>/events, heartbeats on <prefix>/<camera>/heartbeat, inbox snapshots on \
            <prefix>/<camera>/snapshot, <prefix>/availability online/offline (the last will), and Home Assistant \
            discovery configs. The cursor of the last acknowledged entry is kept in the state folder: after an \
            outage or a restart the bridge publishes what it missed, in order. Settings: /etc/lookout/mqtt.yaml; \
            the broker account comes from a credentials file, never the command line. Runs as lookout-mqtt.service.
            """)

    @Option(help: "Settings file (YAML; Config/mqtt.yaml documents the keys).")
    var config = "/etc/lookout/mqtt.yaml"

    @OptionGroup var bridge: BridgeOptions

    func run() throws {
        do {
            var settings = try MQTTSettings.load(file: config)
            try settings.loadCredentials()
            let context = try bridge.context(name: "mqtt", trust: TrustedWriter.standard(foreground: settings.journalExe))
            try MQTTBridge(settings: settings, context: context, board: MQTTSettings.board).run()
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("\(error)")
        }
    }
}
