import Foundation
import LookoutClassifier
import LookoutEvents
import LookoutLog

extension DaemonConfig {
    public var debounceSettings: DebounceSettings {
        var d = DebounceSettings()
        d.threshold = Float(threshold)
        d.minFrames = minFrames
        d.window = window
        d.clearFrames = clearFrames
        d.hysteresis = Float(hysteresis)
        d.cooldown = cooldownSeconds
        d.thresholds = thresholds.mapValues(Float.init)
        d.ignore = Set(ignore)
        return d
    }

    /// The device or folder frames come from.
    public var sourceName: String { sourceReplay ?? sourceDevice }
}

extension Pipeline {
    /// Loads and checks the model, head and labels that `config` names: at start and on every
    /// reload, so that a bad model, head or labels file is refused before anything running is touched.
    /// `logger` is where the parts it builds (the inbox) report.
    public static func load(_ config: DaemonConfig, logger: Logger) throws -> Pipeline {
        let classifier = try Classifier.load(model: config.model, threads: config.threads,
                                             head: config.modelHead.map(URL.init(fileURLWithPath:)),
                                             labels: config.modelLabels.map(URL.init(fileURLWithPath:)), topK: config.topK, prepare: true)
        var pipeline = Pipeline(
            classifier: classifier,
            pacer: Pacer(maxRate: config.maxRate, cpuBudget: config.cpuBudget), debounce: config.debounceSettings,
            heartbeatSeconds: config.heartbeatSeconds,
            context: EventContext(camera: config.sourceName, modelSHA256: classifier.modelSHA256, head: config.modelHead),
            thermalZones: ThermalZones(root: config.thermalRoot),
            thermal: ThermalGovernor(soft: config.thermalSoft, hard: config.thermalHard, hysteresis: config.thermalHysteresis),
            motion: config.motionEnabled ? MotionGate(threshold: config.motionThreshold, maxSkipSeconds: config.motionMaxSkipSeconds) : nil,
            board: try config.powerBoard.map { try BoardProfile.load($0) },
            inbox: config.inboxPath.map {
                Inbox(settings: .init(path: $0, uncertain: Float(config.inboxUncertainLow)..<Float(config.inboxUncertainHigh),
                                      onStarted: config.inboxOnStarted, minIntervalSeconds: config.inboxMinIntervalSeconds,
                                      maxBytes: Int(config.inboxMaxMegabytes * 1_000_000)),
                      logger: logger)
            })
        pipeline.live = config.livePath.map {
            LiveFrame(settings: .init(path: $0, maxRate: config.liveMaxRate, watchSeconds: config.liveWatchSeconds), logger: logger)
        }
        return pipeline
    }
}
