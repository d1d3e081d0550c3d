import ArgumentParser
import CLinux
import Foundation
import LookoutDaemon
import LookoutEvents
import LookoutJournal
import LookoutLifecycle
import LookoutLog

@main
struct Lookoutd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookoutd",
        abstract: "Watch a camera (or replay a folder of images) and report what it recognises.",
        discussion: """
            Settings come from --config (default /etc/lookout/lookout.yaml when it exists), then LOOKOUT_* \
            environment variables, then these options. SIGTERM and SIGINT stop it gracefully; SIGHUP rereads \
            the config and head bundle and swaps them in when they are valid. Under systemd (Type=notify) it \
            reports READY, STATUS and watchdog pings.
            """)

    @Option(help: "YAML config file.")
    var config: String?

    @Option(help: "A V4L2 device (/dev/video0) or a folder of images to replay.")
    var source: String?

    @Option(help: "Model file or installed name.")
    var model: String?

    @Option(help: "Head bundle from `lookout retrain`.")
    var head: String?

    @Option(help: "stdout, jsonl (appends to events.path) or journal.")
    var events: String?

    mutating func validate() throws {
        if let events, !DaemonConfig.sinks.contains(events) {
            throw ValidationError("--events must be one of \(DaemonConfig.sinks.joined(separator: ", "))")
        }
    }

    /// The file, then the environment, then the command line: at start and on every reload.
    func settings() throws -> DaemonConfig {
        let file = config ?? (FileManager.default.fileExists(atPath: "/etc/lookout/lookout.yaml") ? "/etc/lookout/lookout.yaml" : nil)
        var settings = try DaemonConfig.load(file: file)
        if let source {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory), isDirectory.boolValue {
                settings.source.replay = source
            } else {
                settings.source.device = source
                settings.source.replay = nil
            }
        }
        if let model { settings.model.path = model }
        if let head { settings.model.head = head }
        if let events { settings.events.sink = events }
        return settings
    }

    /// Starts libdispatch's event-manager thread from the main thread, then runs the daemon in a
    /// task. That thread (timers, signal sources) asks for nice −4, its user-interactive QoS, which
    /// a process without CAP_SYS_NICE may not take ("Failed to set thread priority for worker
    /// thread … errno=13" at every start); the unit starts lookoutd at nice −4 (`Nice=`), so a
    /// manager thread made from the main thread keeps it without any privilege, while every
    /// worker thread sets itself back to 0 (the daemon's work runs at normal priority). Made from a
    /// worker thread instead, it would start at 0 and be refused.
    func run() throws {
        // Engines (tens of MB) are rebuilt on every reload: blocks of 1 MB and more get their own
        // mmap, so a replaced engine's memory goes back to the system (the reload soak's drift).
        clinux_fix_mmap_threshold(1 << 20)
        let manager = DispatchSource.makeTimerSource(queue: .main)
        manager.setEventHandler {}
        manager.resume()
        let command = self
        DispatchQueue.main.async {
            manager.cancel()
            Task.detached {
                do { try await command.serve() } catch { Lookoutd.exit(withError: error) }
                Lookoutd.exit()
            }
        }
        dispatchMain()
    }

    func serve() async throws {
        let settings = try settings()
        let journal = JournalHealth()
        let logger = Logger(label: "lookoutd",
                            handler: settings.events.sink == "journal" ? JournalLogHandler(health: journal) : StandardErrorLogHandler())
        let notifier = Notifier()
        let ready = Once { notifier.ready() }

        let liveness = Liveness()
        let frameSource: FrameSource
        if let replay = settings.source.replay {
            frameSource = try ReplaySource(folder: URL(fileURLWithPath: replay), fps: settings.source.replayFPS,
                                           loop: settings.source.replayLoop) { logger.warning("replay: skipped \($0)") }
        } else {
            let cameraID = EventSchema.messageIDs["camera"]!
            frameSource = CameraSource(
                device: settings.source.device, width: settings.source.width, height: settings.source.height,
                fps: Int(settings.source.fps.rounded()),
                onState: { state, streaming in
                    liveness.source(away: !streaming)
                    logger.log(level: streaming ? .notice : .warning, "camera \(state)",
                               metadata: ["message_id": "\(cameraID)", EventKey.camera.rawValue: "\(settings.source.device)",
                                          EventKey.cameraState.rawValue: "\(state)", EventKey.streaming.rawValue: "\(streaming)"])
                    // Ready once the camera streams, or is known to be absent and being waited for.
                    ready.run()
                })
        }
        let sink: EventSink = switch settings.events.sink {
        case "journal": JournalSink(health: journal)
        case "jsonl": try JSONLinesSink(path: settings.events.path)
        default: JSONLinesSink(handle: .standardOutput)
        }
        let service = LookoutService(source: frameSource, sink: sink, liveness: liveness, logger: logger)
        let running = settings.sourceName
        let pipeline = try await service.load(settings, camera: running)
        // A replay is ready once its model is; a camera once it streams or is known to be absent.
        if settings.source.replay != nil { ready.run() }

        let reload = ReloadService(notifier: notifier, logger: logger) { [self] in
            let new = try self.settings()
            let next = try await service.load(new, camera: running)
            let sourceNote = new.sourceName == running ? "" : "; the source change to \(new.sourceName) takes effect at restart"
            return "model \(next.context.modelSHA256.prefix(12)), head \(new.model.head ?? "none"), "
                + "\(next.model.labelCount) labels\(sourceNote)"
        }
        let power = pipeline.board.map { "; power estimated for \($0.summary)" } ?? ""
        logger.info("lookoutd: \(settings.model.path) on \(frameSource.name), events to \(settings.events.sink)\(power)")
        let group = ServiceGroup([
            .init(service, endsGroup: true),
            .init(Supervisor(notifier: notifier, pipeline: service)),
            .init(reload),
        ])
        do { try await group.run() } catch is CancellationError {}
    }
}

/// Runs an action the first time only (READY=1 is sent once).
final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var action: (() -> Void)?
    init(_ action: @escaping () -> Void) { self.action = action }
    func run() { lock.withLock { () -> (() -> Void)? in defer { action = nil }; return action }?() }
}
