// swift-tools-version:5.10
import PackageDescription

// Data flows one way: camera → frame → tensor → scores → events.
// C libraries come in through thin system-library shims (CXNNPACK, CTurboJPEG, CSPNG),
// kept apart from the Swift modules that use them, as swift-nio keeps CNIOLinux.
// Every dependency builds with Debian 13's Swift 6.0.3 (the board's toolchain): packages that need
// newer tools (swift-crypto through swift-asn1, swift-log, swift-service-lifecycle) are replaced
// by libcrypto's SHA-256 (CCrypto) and the small LookoutLog and LookoutLifecycle modules.
let package = Package(
    name: "Lookout",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lookout", targets: ["lookout"]),
        .executable(name: "lookoutd", targets: ["lookoutd"]),
        .library(name: "LookoutEngine", targets: ["LookoutEngine"]),
        .library(name: "LookoutImaging", targets: ["LookoutImaging"]),
        .library(name: "LookoutDaemon", targets: ["LookoutDaemon"]),
        .library(name: "LookoutTraining", targets: ["LookoutTraining"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        .systemLibrary(name: "CXNNPACK", path: "Sources/CXNNPACK"),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG"),
        .systemLibrary(name: "CSPNG", path: "Sources/CSPNG"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CSystemd", path: "Sources/CSystemd"),
        .systemLibrary(name: "CMosquitto", path: "Sources/CMosquitto"),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),
        // libv4l2: variadic v4l2_ioctl and the VIDIOC_* macros, one small function per ioctl.
        .target(name: "CV4L2", linkerSettings: [.linkedLibrary("v4l2")]),
        // renameat2(RENAME_EXCHANGE), which Swift's Glibc module does not expose; opening only regular files.
        .target(name: "CLinux"),
        // The .tflite flatbuffer reader: bounds-checked, no dependencies but CLinux.
        .target(name: "TFLite", dependencies: ["CLinux"]),
        // TFLite graph → XNNPACK subgraph → runtime on a pthreadpool.
        .target(name: "LookoutEngine", dependencies: ["TFLite", "CXNNPACK"]),
        // Files others made, read bounded (regular files only); files written atomically, never over the user's.
        .target(name: "LookoutFiles", dependencies: ["CLinux"]),
        // The real clock: monotonic time, the process's CPU time, sleeping.
        .target(name: "LookoutClock"),
        // Decoding (JPEG, PNG), EXIF orientation, crop and resize to the model's input.
        .target(name: "LookoutImaging", dependencies: ["CTurboJPEG", "CSPNG", "LookoutFiles"]),
        // V4L2 cameras: negotiation, mmap streaming, typed failures, discovery.
        .target(name: "LookoutCamera", dependencies: ["CV4L2", "LookoutImaging"]),
        // Classifications → debounced recognition events (started / ended); the events' field schema.
        .target(name: "LookoutEvents"),
        // journald (write with sd_journal_sendv, read with sd-journal) and sd_notify.
        .target(name: "LookoutJournal", dependencies: ["CSystemd"]),
        // SHA-256 (libcrypto): model and head checksums, cache keys.
        .target(name: "LookoutDigest", dependencies: ["CCrypto"]),
        // Diagnostics with syslog levels and an injected handler (stderr, journald, tests).
        .target(name: "LookoutLog"),
        // Services run side by side; SIGTERM/SIGINT end them gracefully, signals as async sequences.
        .target(name: "LookoutLifecycle"),
        // Finding, installing and verifying models and their labels.
        .target(name: "LookoutModels", dependencies: ["LookoutDigest", "LookoutFiles"]),
        // Model (+ head) + labels + framing → scores, top-K, embeddings: the one way both programs classify.
        .target(name: "LookoutClassifier", dependencies: [
            "LookoutEngine", "LookoutImaging", "LookoutModels", "LookoutFiles", "LookoutDigest", "COpenBLAS",
        ]),
        // Transfer learning: embeddings (cached), softmax head (L-BFGS on OpenBLAS), writing head bundles, reports.
        .target(name: "LookoutTraining", dependencies: [
            "LookoutEngine", "LookoutImaging", "LookoutModels", "LookoutClassifier", "LookoutFiles", "COpenBLAS", "CLinux",
            "LookoutDigest",
        ]),
        // Bridges that carry lookoutd's journal entries elsewhere (MQTT and Home Assistant), resuming from a cursor.
        .target(name: "LookoutBridges", dependencies: [
            "CMosquitto", "LookoutEvents", "LookoutJournal", "LookoutClassifier", "LookoutFiles", "LookoutDaemon", "LookoutLifecycle",
            .product(name: "Yams", package: "Yams"),
        ]),
        .executableTarget(
            name: "lookout",
            dependencies: [
                "LookoutEngine", "LookoutImaging", "LookoutModels", "LookoutClassifier", "LookoutTraining", "LookoutCamera",
                "LookoutEvents", "LookoutJournal", "LookoutBridges", "LookoutFiles", "LookoutClock",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // lookoutd's parts: config, frame sources, pacing, the classification pipeline, event sinks.
        .target(name: "LookoutDaemon", dependencies: [
            "LookoutEngine", "LookoutImaging", "LookoutModels", "LookoutClassifier", "LookoutEvents", "LookoutCamera",
            "LookoutJournal", "LookoutLog", "LookoutLifecycle", "LookoutFiles", "LookoutClock", "CLinux",
            .product(name: "Yams", package: "Yams"),
        ]),
        .executableTarget(name: "lookoutd", dependencies: [
            "LookoutDaemon", "LookoutJournal", "LookoutLog", "LookoutLifecycle", "CLinux",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Where tests find the shared models, reference outputs and photos.
        .target(name: "LookoutTestSupport", dependencies: ["LookoutClock"], path: "Tests/Support"),
        .testTarget(name: "TFLiteTests", dependencies: ["TFLite", "LookoutEngine", "LookoutTestSupport"]),
        .testTarget(name: "LookoutEngineTests", dependencies: ["LookoutEngine", "LookoutImaging", "LookoutTestSupport"]),
        .testTarget(name: "LookoutImagingTests", dependencies: ["LookoutImaging", "LookoutTestSupport"]),
        .testTarget(name: "LookoutCameraTests", dependencies: ["LookoutCamera", "LookoutImaging", "LookoutFiles", "LookoutTestSupport"]),
        .testTarget(name: "LookoutModelsTests", dependencies: ["LookoutModels", "LookoutEngine", "LookoutTestSupport"]),
        .testTarget(name: "LookoutEventsTests", dependencies: ["LookoutEvents", "LookoutEngine", "LookoutImaging", "LookoutModels", "LookoutTestSupport"]),
        .testTarget(name: "LookoutDaemonTests", dependencies: [
            "LookoutDaemon", "LookoutCamera", "LookoutEngine", "LookoutImaging", "LookoutModels", "LookoutTraining", "LookoutTestSupport",
            "LookoutLog", "LookoutClassifier", "LookoutClock", "LookoutFiles", "LookoutEvents",
        ]),
        .testTarget(name: "LookoutTrainingTests", dependencies: ["LookoutTraining", "LookoutClassifier", "LookoutTestSupport"]),
        .testTarget(name: "LookoutClassifierTests", dependencies: [
            "LookoutClassifier", "LookoutCamera", "LookoutEngine", "LookoutImaging", "LookoutTestSupport",
        ]),
        .testTarget(name: "LookoutCLITests", dependencies: ["LookoutTestSupport"]),
        .testTarget(name: "LookoutBridgesTests", dependencies: ["LookoutBridges", "LookoutJournal"]),
    ]
)
