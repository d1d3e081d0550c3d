import Foundation
import FuzzSupport
import LookoutDaemon

/// An input is a lookout.yaml. It is loaded from a file, as lookoutd does at start and on SIGHUP, and
/// the settings lookoutd derives from it without opening anything are derived.
func fuzz(_ input: [UInt8]) {
    let file = Shared.scratch.appendingPathComponent("lookout.yaml")
    do {
        try Data(input).write(to: file)
        let config = try DaemonConfig.load(file: file.path, environment: [:])
        _ = config.debounceSettings
        _ = config.sourceName
        let pacer = Pacer(maxRate: config.classify.maxRate, cpuBudget: config.classify.cpuBudget)
        _ = pacer.delay(startedAt: 0, cpu: 0.01, now: 0.02)
    } catch {}
}

@_cdecl("FuzzConfig_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzzMain(argc, argv, seeds: {
        // The shipped config, and one that sets every kind of value (lists, maps, overrides).
        let shipped = try Shared.read(Shared.folder("LOOKOUT_CONFIG"))
        let dense = """
            source: {replay: /tmp/photos, replay_fps: 30, replay_loop: false, width: 320, height: 240, fps: 30}
            model: {path: mobilenet_v1_0.25_128_quant, head: /var/lib/lookout/heads/pets, labels: labels.txt}
            classify: {threads: 2, max_rate: 2.5, cpu_budget: 0.25, top_k: 3}
            events: {sink: jsonl, path: /tmp/e.jsonl, threshold: 0.7, min_frames: 2, window: 4, clear_frames: 2,
                     hysteresis: 0.05, cooldown_seconds: 10, thresholds: {person: 0.8, cat: 0.5}, ignore: [background, dog],
                     heartbeat_seconds: 5}
            thermal: {root: /tmp/thermal, soft_c: 60, hard_c: 75, hysteresis_c: 3}
            motion: {enabled: true, threshold: 4.5, max_skip_seconds: 20}
            power: {board: pi4}
            inbox: {path: /tmp/inbox, uncertain_low: 0.2, uncertain_high: 0.5, on_started: false,
                    min_interval_seconds: 2, max_megabytes: 50}
            """
        return ["lookout.yaml": shipped, "dense.yaml": Array(dense.utf8)]
    }, fuzz)
}
