import Foundation
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
    /// The settings besides the model that `config` names, for `model` (loaded on its thread) and
    /// the events of `camera`. `logger` is where the parts it builds (the inbox) report.
    public static func load(_ config: DaemonConfig, model: LoadedModel, camera: String, logger: Logger) throws -> Pipeline {
        var pipeline = Pipeline(
            model: model,
            pacer: Pacer(maxRate: config.maxRate, cpuBudget: config.cpuBudget), debounce: config.debounceSettings,
            heartbeatSeconds: config.heartbeatSeconds,
            context: EventContext(camera: camera, modelSHA256: model.modelSHA256, head: config.modelHead),
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
