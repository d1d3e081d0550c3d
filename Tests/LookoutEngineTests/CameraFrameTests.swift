import Foundation
import LookoutEngine
import LookoutImaging
import LookoutTestSupport
import XCTest

/// Camera frames (YUYV, NV12, RGB24) made from a real photo, as a camera would deliver them.
final class CameraFrameTests: XCTestCase {
    func testOnePassConversionKeepsTheClassifyContract() throws {
        let photo = try ImageDecoder.decode(file: Fixtures.photo("cat_720p.jpg").path)
        let engine = try Engine(contentsOf: Fixtures.model("mobilenet_v1_1.0_224.tflite"))
        func top1(_ image: RGBImage) throws -> Int {
            let s = try engine.scores(for: image.pixels)
            return s.indices.max { s[$0] < s[$1] }!
        }
        let photoTop1 = try top1(Resize.cropAndResize(photo, to: 224, crop: .standard))
        for format in CameraFrame.Format.allCases {
            let (bytes, line) = CameraFrame.bytes(of: photo, as: format)
            try bytes.withUnsafeBytes { raw in
                let frame = try CameraFrame(width: photo.width, height: photo.height, format: format, bytesPerLine: line, bytes: raw)
                let direct = Resize.cropAndResize(frame, to: 224, crop: .standard)
                // One pass over the raw frame = converting the whole frame first, then cropping and resizing.
                XCTAssertEqual(direct, Resize.cropAndResize(frame.rgb(), to: 224, crop: .standard), "\(format)")
                XCTAssertEqual(Resize.cropAndResize(frame, to: 224, crop: .none), Resize.cropAndResize(frame.rgb(), to: 224, crop: .none),
                               "\(format), whole frame (a head's framing)")
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
