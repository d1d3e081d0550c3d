// swift-tools-version:5.10
import PackageDescription

// libFuzzer targets for Lookout's untrusted inputs, kept apart so that the main package builds
// and tests without the fuzzer. scripts/fuzz.sh builds them (coverage + AddressSanitizer, each
// target's entry point handed to libFuzzer's driver) and runs them on corpora seeded from real files.
let package = Package(
    name: "LookoutFuzz",
    dependencies: [.package(name: "Lookout", path: "..")],
    targets: [
        // The libFuzzer driver call, and `--make-seeds` for corpora made from real files.
        .target(name: "FuzzSupport"),
        // .tflite bytes → reader → lowering → XNNPACK runtime (→ one inference for small models).
        .executableTarget(name: "FuzzTFLite", dependencies: [
            "FuzzSupport", .product(name: "LookoutEngine", package: "Lookout"),
        ]),
        // head.json + safetensors → Head.load → scores for the base model's embedding (seeds written by the retrainer's writer).
        .executableTarget(name: "FuzzHead", dependencies: [
            "FuzzSupport", .product(name: "LookoutTraining", package: "Lookout"),
        ]),
        // lookout.yaml → DaemonConfig.load → the settings derived from it.
        .executableTarget(name: "FuzzConfig", dependencies: [
            "FuzzSupport", .product(name: "LookoutDaemon", package: "Lookout"),
        ]),
        // JPEG/PNG bytes → decode (EXIF orientation, DCT scaling) → crop and resize; motion thumbnail.
        .executableTarget(name: "FuzzImage", dependencies: [
            "FuzzSupport", .product(name: "LookoutImaging", package: "Lookout"),
        ]),
        // format, size, stride and bytes → camera frame checks → conversion, resize, thumbnail.
        .executableTarget(name: "FuzzCamera", dependencies: [
            "FuzzSupport", .product(name: "LookoutDaemon", package: "Lookout"),
        ]),
    ]
)
