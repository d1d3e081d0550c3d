// swift-tools-version:5.10
import PackageDescription

// Data flows one way: camera → frame → tensor → scores → events.
// C libraries come in through thin system-library shims (CXNNPACK, CTurboJPEG, CSPNG),
// kept apart from the Swift modules that use them, as swift-nio keeps CNIOLinux.
let package = Package(
    name: "Lookout",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lookout", targets: ["lookout"]),
        .executable(name: "lookoutd", targets: ["lookoutd"]),
        .library(name: "LookoutEngine", targets: ["LookoutEngine"]),
        .library(name: "LookoutImaging", targets: ["LookoutImaging"]),
        .library(name: "LookoutDaemon", targets: ["LookoutDaemon"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(name: "CXNNPACK", path: "Sources/CXNNPACK"),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG"),
        .systemLibrary(name: "CSPNG", path: "Sources/CSPNG"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CSystemd", path: "Sources/CSystemd"),
        .systemLibrary(name: "CMosquitto", path: "Sources/CMosquitto"),
        // libv4l2: variadic v4l2_ioctl and the VIDIOC_* macros, one small function per ioctl.
        .target(name: "CV4L2", linkerSettings: [.linkedLibrary("v4l2")]),
        // renameat2(RENAME_EXCHANGE), which Swift's Glibc module does not expose.
        .target(name: "CLinux"),
        // The .tflite flatbuffer reader: bounds-checked, no dependencies.
        .target(name: "TFLite"),
        // TFLite graph → XNNPACK subgraph → runtime on a pthreadpool.
        .target(name: "LookoutEngine", dependencies: ["TFLite", "CXNNPACK"]),
        // Decoding (JPEG, PNG), EXIF orientation, crop and resize to the model's input.
        .target(name: "LookoutImaging", dependencies: ["CTurboJPEG", "CSPNG"]),
        // V4L2 cameras: negotiation, mmap streaming, typed failures, discovery.
        .target(name: "LookoutCamera", dependencies: ["CV4L2", "LookoutImaging"]),
        // Classifications → debounced recognition events (started / ended); the events' field schema.
        .target(name: "LookoutEvents"),
        // journald (write with sd_journal_sendv, read with sd-journal) and sd_notify.
        .target(name: "LookoutJournal", dependencies: ["CSystemd"]),
        // Finding, installing and verifying models and their labels.
        .target(name: "LookoutModels", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // Transfer learning: embeddings (cached), softmax head (L-BFGS on OpenBLAS), head bundles, reports.
        .target(name: "LookoutTraining", dependencies: [
            "LookoutEngine", "LookoutImaging", "COpenBLAS", "CLinux",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Bridges that carry lookoutd's journal entries elsewhere (MQTT and Home Assistant), resuming from a cursor.
        .target(name: "LookoutBridges", dependencies: [
            "CMosquitto", "LookoutEvents", "LookoutJournal", "LookoutTraining", "LookoutDaemon",
            .product(name: "Yams", package: "Yams"),
        ]),
        .executableTarget(
            name: "lookout",
            dependencies: [
                "LookoutEngine", "LookoutImaging", "LookoutModels", "LookoutTraining", "LookoutCamera",
                "LookoutEvents", "LookoutJournal", "LookoutBridges",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // lookoutd's parts: config, frame sources, pacing, the classification pipeline, event sinks.
        .target(name: "LookoutDaemon", dependencies: [
            "LookoutEngine", "LookoutImaging", "LookoutModels", "LookoutTraining", "LookoutEvents", "LookoutCamera",
            "LookoutJournal",
            .product(name: "Yams", package: "Yams"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "lookoutd", dependencies: [
            "LookoutDaemon", "LookoutJournal",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Where tests find the shared models, reference outputs and photos.
        .target(name: "LookoutTestSupport", path: "Tests/Support"),
        .testTarget(name: "TFLiteTests", dependencies: ["TFLite", "LookoutEngine", "LookoutTestSupport"]),
        .testTarget(name: "LookoutEngineTests", dependencies: ["LookoutEngine", "LookoutImaging", "LookoutTestSupport"]),
        .testTarget(name: "LookoutImagingTests", dependencies: ["LookoutImaging", "LookoutTestSupport"]),
        .testTarget(name: "LookoutCameraTests", dependencies: ["LookoutCamera", "LookoutImaging", "LookoutTestSupport"]),
        .testTarget(name: "LookoutModelsTests", dependencies: ["LookoutModels", "LookoutEngine", "LookoutTestSupport"]),
        .testTarget(name: "LookoutEventsTests", dependencies: ["LookoutEvents", "LookoutEngine", "LookoutImaging", "LookoutModels", "LookoutTestSupport"]),
        .testTarget(name: "LookoutDaemonTests", dependencies: [
            "LookoutDaemon", "LookoutCamera", "LookoutEngine", "LookoutImaging", "LookoutModels", "LookoutTraining", "LookoutTestSupport",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "LookoutTrainingTests", dependencies: ["LookoutTraining", "LookoutTestSupport"]),
        .testTarget(name: "LookoutCLITests", dependencies: ["LookoutTestSupport"]),
        .testTarget(name: "LookoutBridgesTests", dependencies: ["LookoutBridges", "LookoutJournal"]),
    ]
)
