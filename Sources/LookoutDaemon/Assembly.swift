import Foundation
import LookoutEngine
import LookoutEvents
import LookoutLog
import LookoutModels
import LookoutTraining

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

extension Labeller {
    /// Loads and checks the model, head and labels that `config` names, with the model's SHA-256:
    /// at start and on every reload (on the model's thread), so that a bad model or head is refused
    /// before anything running is touched.
    static func load(_ config: DaemonConfig) throws -> (Labeller, modelSHA256: String) {
        let modelURL = try ModelStore.standard().resolve(config.model)
        let engine: Engine
        do { engine = try Engine(contentsOf: modelURL, threads: config.threads) } catch {
            throw ConfigError("\(modelURL.path): \(error)")
        }
        let modelSHA256 = try sha256(of: modelURL)
        let head = try config.modelHead.map {
            try Head.load(URL(fileURLWithPath: $0), baseModelSHA256: modelSHA256, baseModelName: modelURL.lastPathComponent,
                          baseEmbeddingSize: engine.embeddingSize)
        }
        // The runtime the frames will run on, built now: a model XNNPACK refuses is refused here, before
        // READY or before a reload swaps anything. Its weights packed, the file's bytes are freed.
        do { try engine.prepare(head?.preprocessing.pooling, releasingModel: true) } catch {
            throw ConfigError("\(modelURL.path): \(error)")
        }
        let labels: [String]
        if let head {
            labels = head.labels
        } else if let file = config.modelLabels.map(URL.init(fileURLWithPath:))
                    ?? Labels.file(besides: modelURL, classCount: engine.classCount) {
            labels = try Labels.load(file)
        } else {
            labels = []
        }
        return (Labeller(engine: engine, head: head, labels: labels, topK: config.topK), modelSHA256)
    }
}

extension Pipeline {
    /// The settings besides the model that `config` names, for `model` (loaded on its thread) and
    /// the events of `camera`. `logger` is where the parts it builds (the inbox) report.
    public static func load(_ config: DaemonConfig, model: LoadedModel, camera: String, logger: Logger) throws -> Pipeline {
        Pipeline(
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
    }
}
