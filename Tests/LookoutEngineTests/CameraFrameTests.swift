import Foundation
import LookoutEngine
import LookoutImaging
import LookoutTestSupport
import XCTest

/// Camera frames (YUYV, NV12, RGB24) made from a real photo, as a camera would deliver them.
final class CameraFrameTests: XCTestCase {
    /// BT.601 limited-range encoding, the inverse of what cameras' YUV means.
    func yuv(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> (UInt8, UInt8, UInt8) {
        let (r, g, b) = (Int(r), Int(g), Int(b))
        return (UInt8(clamping: ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16),
                UInt8(clamping: ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128),
                UInt8(clamping: ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128))
    }

    func frameBytes(_ photo: RGBImage, _ format: CameraFrame.Format) -> (bytes: [UInt8], line: Int) {
        let w = photo.width, h = photo.height
        func px(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
            let i = (y * w + x) * 3
            return yuv(photo.pixels[i], photo.pixels[i + 1], photo.pixels[i + 2])
        }
        switch format {
        case .rgb24:
            return (photo.pixels, w * 3)
        case .yuyv:
            var out = [UInt8](repeating: 0, count: w * h * 2)
            for y in 0..<h { for x in stride(from: 0, to: w, by: 2) {
                let a = px(x, y), b = px(x + 1, y), i = (y * w + x) * 2
                out[i] = a.0; out[i + 1] = UInt8((Int(a.1) + Int(b.1)) / 2); out[i + 2] = b.0; out[i + 3] = UInt8((Int(a.2) + Int(b.2)) / 2)
            } }
            return (out, w * 2)
        case .nv12:
            var out = [UInt8](repeating: 0, count: w * h + w * ((h + 1) / 2))
            for y in 0..<h { for x in 0..<w { out[y * w + x] = px(x, y).0 } }
            for y in stride(from: 0, to: h, by: 2) { for x in stride(from: 0, to: w, by: 2) {
                let p = px(x, y), i = w * h + (y / 2) * w + x
                out[i] = p.1; out[i + 1] = p.2
            } }
            return (out, w)
        }
    }

    func testOnePassConversionKeepsTheClassifyContract() throws {
        let photo = try ImageDecoder.decode(file: Fixtures.photo("cat_720p.jpg").path)
        let engine = try Engine(contentsOf: Fixtures.model("mobilenet_v1_1.0_224.tflite"))
        func top1(_ image: RGBImage) throws -> Int {
            let s = try engine.scores(for: image.pixels)
            return s.indices.max { s[$0] < s[$1] }!
        }
        let photoTop1 = try top1(Resize.cropAndResize(photo, to: 224, crop: .standard))
        for format in CameraFrame.Format.allCases {
            let (bytes, line) = frameBytes(photo, format)
            try bytes.withUnsafeBytes { raw in
                let frame = try CameraFrame(width: photo.width, height: photo.height, format: format, bytesPerLine: line, bytes: raw)
                let direct = Resize.cropAndResize(frame, to: 224, crop: .standard)
                // One pass over the raw frame = converting the whole frame first, then cropping and resizing.
                XCTAssertEqual(direct, Resize.cropAndResize(frame.rgb(), to: 224, crop: .standard), "\(format)")
                if format == .rgb24 { XCTAssertEqual(direct, Resize.cropAndResize(photo, to: 224, crop: .standard)) }
                XCTAssertEqual(try top1(direct), photoTop1, "\(format): the camera path sees the same cat")

                // A frame saved to disk (as the capture command and the inbox save it) and classified later.
                let saved = FileManager.default.temporaryDirectory.appendingPathComponent("frame-\(UUID().uuidString).jpg")
                defer { try? FileManager.default.removeItem(at: saved) }
                try Data(JPEGEncoder.encode(frame.rgb(), quality: 95)).write(to: saved)
                XCTAssertEqual(try top1(ImagePreprocessor.load(file: saved.path, size: 224)), try top1(direct), "\(format) saved")
            }
        }
    }

    func testShortFramesAreRefused() throws {
        let bytes = [UInt8](repeating: 0, count: 640 * 480)  // half a YUYV frame
        try bytes.withUnsafeBytes { raw in
            XCTAssertThrowsError(try CameraFrame(width: 640, height: 480, format: .yuyv, bytesPerLine: 1280, bytes: raw)) { error in
                XCTAssertTrue("\(error)".contains("short or malformed frame"), "\(error)")
            }
            XCTAssertThrowsError(try CameraFrame(width: 640, height: 480, format: .nv12, bytesPerLine: 640, bytes: raw))
        }
    }
}
