import Foundation
import LookoutEvents
import LookoutLog

extension DaemonConfig {
    public var debounceSettings: DebounceSettings {
        var d = DebounceSettings()
        d.threshold = Float(events.threshold)
        d.minFrames = events.minFrames
        d.window = events.window
        d.clearFrames = events.clearFrames
        d.hysteresis = Float(events.hysteresis)
        d.cooldown = events.cooldownSeconds
        d.thresholds = events.thresholds.mapValues(Float.init)
        d.ignore = Set(events.ignore)
        return d
    }

    /// The device or folder frames come from.
    public var sourceName: String { source.replay ?? source.device }
}

extension Pipeline {
    /// The settings besides the model that `config` names, for `model` (loaded on its thread) and
    /// the events of `camera`. `logger` is where the parts it builds (the inbox) report.
    public static func load(_ config: DaemonConfig, model: LoadedModel, camera: String, logger: Logger) throws -> Pipeline {
        var pipeline = Pipeline(
            model: model,
            pacer: Pacer(maxRate: config.classify.maxRate, cpuBudget: config.classify.cpuBudget), debounce: config.debounceSettings,
            heartbeatSeconds: config.events.heartbeatSeconds,
            context: EventContext(camera: camera, modelSHA256: model.modelSHA256, head: config.model.head),
            thermalZones: ThermalZones(root: config.thermal.root),
            thermal: ThermalGovernor(soft: config.thermal.softC, hard: config.thermal.hardC, hysteresis: config.thermal.hysteresisC),
            motion: config.motion.enabled ? MotionGate(threshold: config.motion.threshold, maxSkipSeconds: config.motion.maxSkipSeconds) : nil,
            board: try config.power.board.map { try BoardProfile.load($0) },
            inbox: config.inbox.path.map {
                Inbox(settings: .init(path: $0, uncertain: Float(config.inbox.uncertainLow)..<Float(config.inbox.uncertainHigh),
                                      onStarted: config.inbox.onStarted, minIntervalSeconds: config.inbox.minIntervalSeconds,
                                      maxBytes: Int(config.inbox.maxMegabytes * 1_000_000)),
                      logger: logger)
            })
        pipeline.live = config.live.path.map {
            LiveFrame(settings: .init(path: $0, maxRate: config.live.maxRate, watchSeconds: config.live.watchSeconds), logger: logger)
        }
        return pipeline
    }
}
