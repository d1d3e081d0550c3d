import Foundation
import FuzzSupport
@testable import LookoutCamera
import LookoutDaemon
import LookoutImaging

/// An input is a frame as a driver hands it over: format (byte 0: YUYV, NV12, RGB24, MJPEG), width,
/// height and bytes per line (16 bits each), framing (byte 7), then the buffer. The frame goes
/// through what lookoutd does with a captured one: the copy's checks, the motion thumbnail, the
/// model's input, and (small frames) the whole picture as RGB, as snapshots and training take it.
let formats: [FourCC] = [.yuyv, .nv12, .rgb24, .mjpeg]

func fuzz(_ input: [UInt8]) {
    var reader = ByteReader(input)
    let format = formats[reader.byte() % formats.count]
    let width = reader.uint16(), height = reader.uint16(), line = reader.uint16()
    let framing = reader.byte()
    let crop: CropMode = framing & 1 == 0 ? .standard : .none
    let size = [224, 128, 160, 1][(framing >> 1) % 4]
    let buffer = reader.rest
    guard let frame = try? buffer.withUnsafeBytes({
        try RawFrame($0, format: format, width: width, height: height, bytesPerLine: line)
    }) else { return }
    _ = try? frame.thumbnail(side: MotionGate.side)
    _ = try? frame.image(Framing(size: size, crop: crop))
    if width * height <= 1 << 20 { _ = try? frame.fullImage() }
}

func header(_ format: Int, _ width: Int, _ height: Int, _ line: Int, _ framing: UInt8) -> [UInt8] {
    [UInt8(format)] + [width, height, line].flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } + [framing]
}

@_cdecl("FuzzCamera_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzzMain(argc, argv, seeds: {
        // Frames made from real photos in each format (padded lines too) and an MJPEG frame.
        var seeds: [String: [UInt8]] = [:]
        for (name, side) in [("cat.png", 64), ("dragonfly.png", 40), ("hot_dog.jpg", 96)] {
            let photo = try ImageDecoder.decode(file: Shared.photos.appendingPathComponent(name).path, crop: .none)
            let small = Resize.cropAndResize(photo, to: side, crop: .none)
            for (i, kind) in [CameraFrame.Format.yuyv, .nv12, .rgb24].enumerated() {
                let (bytes, line) = CameraFrame.bytes(of: small, as: kind)
                seeds["\(name)-\(side)-\(kind)"] = header(i, side, side, line, 0) + bytes
                // The same rows 8 bytes apart more than they need: a driver's padded stride.
                let padded = stride(from: 0, to: bytes.count, by: line).flatMap { bytes[$0..<min($0 + line, bytes.count)] + [UInt8](repeating: 0, count: 8) }
                seeds["\(name)-\(side)-\(kind)-padded"] = header(i, side, side, line + 8, 3) + padded
            }
            seeds["\(name)-\(side)-mjpeg"] = header(3, side, side, 0, 2) + (try JPEGEncoder.encode(small, quality: 80))
        }
        return seeds
    }, fuzz)
}
