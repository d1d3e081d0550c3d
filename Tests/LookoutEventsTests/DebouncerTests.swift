import Foundation
import LookoutEngine
import LookoutEvents
import LookoutImaging
import LookoutModels
import LookoutTestSupport
import XCTest

final class DebouncerTests: XCTestCase {
    func frame(_ n: UInt64, _ top: [(String, Float)]) -> Classification {
        Classification(frame: n, capturedAt: Double(n) * 0.5, top: top.map { (label: $0.0, score: $0.1) }, latencyMs: 12)
    }

    func run(_ debouncer: inout Debouncer, _ frames: [[(String, Float)]]) -> [(UInt64, String)] {
        frames.enumerated().flatMap { i, top in
            debouncer.observe(frame(UInt64(i + 1), top)).map { event -> (UInt64, String) in
                switch event {
                case .started(let label, _, let c): (c.frame, "+\(label)")
                case .ended(let label, _, _, let c): (c.frame, "-\(label)")
                }
            }
        }
    }

    /// Real frames: photos classified by the real engine, replayed as a camera would see them.
    func testRealPhotosStartAndEndTheirLabels() throws {
        let url = try Fixtures.model("mobilenet_v1_1.0_224.tflite")
        let engine = try Engine(contentsOf: url)
        let labels = try Labels.load(XCTUnwrap(Labels.file(besides: url, classCount: engine.classCount)))
        func classify(_ photo: String) throws -> [(String, Float)] {
            let scores = try engine.scores(for: ImagePreprocessor.load(file: Fixtures.photo(photo).path, size: 224).pixels)
            return scores.indices.sorted { scores[$0] > scores[$1] }.prefix(5).map { (labels[$0], scores[$0]) }
        }
        let cat = try classify("cat_720p.jpg"), hotdog = try classify("hot_dog.jpg")
        var settings = DebounceSettings()
        settings.threshold = 0.3
        var debouncer = Debouncer(settings: settings)
        var events: [RecognitionEvent] = []
        for (i, top) in (Array(repeating: cat, count: 4) + Array(repeating: hotdog, count: 5)).enumerated() {
            events += debouncer.observe(frame(UInt64(i + 1), top))
        }
        guard events.count == 3, case .started(let first, _, let at1) = events[0], case .ended(let gone, let duration, let peak, _) = events[1],
              case .started(let second, let confidence, let at3) = events[2] else {
            return XCTFail("expected start, end, start: \(events)")
        }
        XCTAssertTrue(first.lowercased().contains("cat"), first)
        XCTAssertEqual(gone, first)
        XCTAssertEqual(second, "hotdog, hot dog, red hot")
        XCTAssertEqual(at1.frame, 3, "three frames in a row before a start")
        XCTAssertEqual(at3.frame, 7)
        XCTAssertEqual(duration, 2.0, accuracy: 1e-9, "started at frame 3, ended at frame 7, 0.5 s apart")
        XCTAssertGreaterThanOrEqual(peak, 0.3)
        XCTAssertGreaterThanOrEqual(confidence, 0.3)
        XCTAssertEqual(debouncer.active, ["hotdog, hot dog, red hot"])
    }

    func testFlickerNeedsKOfNAndHysteresisHoldsThroughDips() {
        var settings = DebounceSettings()
        (settings.threshold, settings.minFrames, settings.window, settings.clearFrames, settings.hysteresis) = (0.6, 2, 3, 2, 0.2)
        var d = Debouncer(settings: settings)
        let events = run(&d, [[("cat", 0.7)], [("cat", 0.3)], [("cat", 0.65)],   // 2 of 3: starts at frame 3
                              [("cat", 0.45)], [("cat", 0.5)], [("cat", 0.45)],  // dips above 0.4: stays
                              [("cat", 0.2)], [("dog", 0.9)]])                  // two below 0.4: ends at 8
        XCTAssertEqual(events.map(\.0), [3, 8])
        XCTAssertEqual(events.map(\.1), ["+cat", "-cat"])
    }

    func testCooldownIgnoreAndPerLabelThresholds() {
        var settings = DebounceSettings()
        (settings.minFrames, settings.window, settings.clearFrames, settings.cooldown) = (1, 1, 1, 1.2)
        settings.ignore = ["background"]
        settings.thresholds = ["person": 0.9]
        var d = Debouncer(settings: settings)
        let events = run(&d, [[("cat", 0.8), ("background", 0.95), ("person", 0.85)],  // only cat starts
                              [("dog", 0.8)],                                           // cat ends, dog starts
                              [("cat", 0.8)],                                           // 0.5 s after the end: cooling
                              [("cat", 0.8)],                                           // 1.0 s: still cooling
                              [("cat", 0.8)],                                           // 1.5 s: starts again
                              [("person", 0.95)]])
        XCTAssertEqual(events.map(\.1), ["+cat", "-cat", "+dog", "-dog", "+cat", "-cat", "+person"])
        XCTAssertEqual(events.map(\.0), [1, 2, 2, 3, 5, 6, 6])
    }
}
