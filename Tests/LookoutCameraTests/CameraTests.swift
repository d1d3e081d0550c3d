import Foundation
@testable import LookoutCamera
import LookoutImaging
import LookoutFiles
import LookoutTestSupport
import XCTest

/// What the camera layer does with what a driver hands it, short of a driver: the format it asks
/// for, and frames that are short or corrupt. (The vivid system test covers a real driver.)
final class CameraTests: XCTestCase {
    func fourcc(_ name: String) -> FourCC {
        FourCC(name.utf8.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) })
    }

    func offered(_ formats: [(String, Bool)]) -> [V4L2Camera.OfferedFormat] {
        formats.map { .init(format: fourcc($0.0), description: $0.0, emulated: $0.1) }
    }

    func testFormatChoice() throws {
        func choose(_ formats: [(String, Bool)]) throws -> String {
            try V4L2Camera.choose(from: offered(formats), path: "/dev/video9").description
        }
        XCTAssertEqual(try choose([("MJPG", false), ("YUYV", false)]), "YUYV", "raw YUYV before MJPEG: no decode")
        XCTAssertEqual(try choose([("MJPG", false)]), "MJPG")
        XCTAssertEqual(try choose([("NV12", false), ("RGB3", true)]), "NV12", "native before libv4l2's conversions")
        XCTAssertEqual(try choose([("YUYV", true), ("MJPG", false)]), "MJPG", "an emulated YUYV is not native")
        // A Bayer sensor: libv4l2 offers RGB24 converted from it.
        XCTAssertEqual(try choose([("BA81", false), ("RGB3", true), ("BGR3", true)]), "RGB3")

        // Only formats nobody here converts: refused, naming them, as a one-line `unsupported` error
        // (lookoutd logs it once and retries with backoff, as for a missing camera).
        XCTAssertThrowsError(try choose([("GREY", false), ("Y16 ", false)])) { error in
            XCTAssertEqual((error as? CameraError)?.kind, .unsupported)
            XCTAssertEqual("\(error)", "/dev/video9: offers only GREY, Y16, and libv4l2 cannot convert them; "
                           + "Lookout reads YUYV, NV12, RGB24 or MJPEG")
        }
        XCTAssertThrowsError(try choose([])) { XCTAssertTrue("\($0)".contains("offers no formats"), "\($0)") }
    }

    /// An MJPEG frame is a JPEG: decoded at a reduced DCT scale, framed as `lookout classify` frames
    /// the same picture from a file.
    func testMJPEGFrameKeepsTheClassifyContract() throws {
        let file = try Fixtures.photo("cat_720p.jpg")
        let bytes = try RegularFile.read(file.path)
        let frame = try bytes.withUnsafeBytes { try RawFrame($0, format: .mjpeg, width: 1280, height: 720, bytesPerLine: 0) }
        for crop in [CropMode.standard, .none] {
            XCTAssertEqual(try frame.image(Framing(size: 224, crop: crop)),
                           try ImagePreprocessor.load(file: file.path, size: 224, crop: crop), "\(crop)")
        }
        let thumbnail = try frame.thumbnail(side: 32)
        XCTAssertEqual(thumbnail.count, 32 * 32)
        XCTAssertGreaterThan(Set(thumbnail).count, 20, "a picture, not a flat field")
    }

    /// Corrupt MJPEG frames (a driver's glitch, a half-sent frame) are refused with the cause, never
    /// read past their end; lookoutd skips and counts them.
    func testCorruptMJPEGFramesAreRefusedWithTheCause() throws {
        let jpeg = try RegularFile.read(Fixtures.photo("cat_720p.jpg").path)
        var flipped = jpeg
        for i in stride(from: 700, to: flipped.count, by: 97) { flipped[i] ^= 0x5A }
        let cases: [(String, [UInt8])] = [
            ("truncated", Array(jpeg.prefix(jpeg.count / 3))),
            ("header only", Array(jpeg.prefix(600))),
            ("not a JPEG", Array("garbage from the driver".utf8)),
            ("empty", []),
            ("bit errors", flipped),
        ]
        for (name, bytes) in cases {
            let frame = try bytes.withUnsafeBytes { try RawFrame($0, format: .mjpeg, width: 1280, height: 720, bytesPerLine: 0) }
            do {
                _ = try frame.thumbnail(side: 32)
                _ = try frame.image(Framing(size: 224))
                XCTFail("\(name): a corrupt MJPEG frame was accepted")
            } catch let error as ImageError {
                XCTAssertTrue(error.description.hasPrefix("MJPEG frame: "), "\(name): \(error)")
                XCTAssertFalse(error.description.contains("\n"), "one line: \(error)")
            }
        }
    }

    func testShortUncompressedFramesAreRefused() throws {
        let short = [UInt8](repeating: 128, count: 640 * 240)  // half an NV12 frame, less of the others
        for (format, line) in [(FourCC.yuyv, 1280), (.nv12, 640), (.rgb24, 1920)] {
            XCTAssertThrowsError(try short.withUnsafeBytes {
                try RawFrame($0, format: format, width: 640, height: 480, bytesPerLine: line)
            }) { error in
                XCTAssertTrue(error is ImageError && "\(error)".contains("short or malformed frame"), "\(format): \(error)")
            }
        }
        let whole = [UInt8](repeating: 128, count: 640 * 480 * 2)
        let frame = try whole.withUnsafeBytes { try RawFrame($0, format: .yuyv, width: 640, height: 480, bytesPerLine: 1280) }
        XCTAssertEqual(try frame.image(Framing(size: 224)).pixels.count, 224 * 224 * 3)
    }
}
