import ArgumentParser
import Foundation
import LookoutDaemon
import LookoutEngine
import LookoutEvents
import LookoutModels
import LookoutTraining
import Logging
import ServiceLifecycle

@main
struct Lookoutd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookoutd",
        abstract: "Watch a camera (or replay a folder of images) and report what it recognises.",
        discussion: """
            Settings come from --config (default /etc/lookout/lookout.yaml when it exists), then LOOKOUT_* \
            environment variables, then these options. SIGTERM and SIGINT stop it gracefully.
            """)

    @Option(help: "YAML config file.")
    var config: String?

    @Option(help: "A V4L2 device (/dev/video0) or a folder of images to replay.")
    var source: String?

    @Option(help: "Model file or installed name.")
    var model: String?

    @Option(help: "Head bundle from `lookout retrain`.")
    var head: String?

    @Option(help: "stdout, or jsonl (appends to events.path).")
    var events: String?

    mutating func run() async throws {
        var logger = Logger(label: "lookoutd")
        logger.logLevel = .info
        let file = config ?? (FileManager.default.fileExists(atPath: "/etc/lookout/lookout.yaml") ? "/etc/lookout/lookout.yaml" : nil)
        var settings = try DaemonConfig.load(file: file)
        if let source {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory), isDirectory.boolValue {
                settings.sourceReplay = source
            } else {
                settings.sourceDevice = source
                settings.sourceReplay = nil
            }
        }
        if let model { settings.model = model }
        if let head { settings.modelHead = head }
        if let events {
            guard ["stdout", "jsonl"].contains(events) else { throw ValidationError("--events must be stdout or jsonl") }
            settings.eventsSink = events
        }

        let modelURL = try ModelStore.standard().resolve(settings.model)
        let engine: Engine
        do { engine = try Engine(contentsOf: modelURL, threads: settings.threads) } catch {
            throw ConfigError("\(modelURL.path): \(error)")
        }
        let trained = try settings.modelHead.map {
            try Head.load(URL(fileURLWithPath: $0), baseModelSHA256: try sha256(of: modelURL), baseModelName: modelURL.lastPathComponent)
        }
        let labels: [String]
        if let trained {
            labels = trained.labels
        } else if let file = settings.modelLabels.map(URL.init(fileURLWithPath:)) ?? Labels.file(besides: modelURL, classCount: engine.classCount) {
            labels = try Labels.load(file)
        } else {
            labels = []
        }

        let sourceLogger = logger
        let frameSource: FrameSource
        if let replay = settings.sourceReplay {
            frameSource = try ReplaySource(folder: URL(fileURLWithPath: replay), fps: settings.sourceReplayFPS,
                                           loop: settings.sourceReplayLoop) { sourceLogger.warning("replay: skipped \($0)") }
        } else {
            frameSource = CameraSource(device: settings.sourceDevice, width: settings.sourceWidth, height: settings.sourceHeight,
                                       fps: Int(settings.sourceFPS.rounded()),
                                       onState: { sourceLogger.notice("camera \($0)") },
                                       onBadFrame: { sourceLogger.warning("camera: skipped frame: \($0)") })
        }
        let sink: EventSink = settings.eventsSink == "jsonl"
            ? try JSONLinesSink(path: settings.eventsPath) : JSONLinesSink(handle: .standardOutput)

        var debounce = DebounceSettings()
        debounce.threshold = Float(settings.threshold)
        debounce.minFrames = settings.minFrames
        debounce.window = settings.window
        debounce.clearFrames = settings.clearFrames
        debounce.hysteresis = Float(settings.hysteresis)
        debounce.cooldown = settings.cooldownSeconds
        debounce.thresholds = settings.thresholds.mapValues(Float.init)
        debounce.ignore = Set(settings.ignore)

        let service = LookoutService(
            source: frameSource, labeller: Labeller(engine: engine, head: trained, labels: labels, topK: settings.topK),
            sink: sink, pacer: Pacer(maxRate: settings.maxRate, cpuBudget: settings.cpuBudget), debounce: debounce,
            heartbeatSeconds: settings.heartbeatSeconds, logger: logger)
        logger.info("lookoutd: \(modelURL.lastPathComponent) on \(frameSource.name), events to \(settings.eventsSink)")
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do { try await group.run() } catch is CancellationError {}
    }
}
