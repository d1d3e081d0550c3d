import Foundation
@testable import LookoutImaging
import LookoutTestSupport
import XCTest

final class DecoderTests: XCTestCase {
    func bytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

    /// A JPEG with an APP1 Exif segment (little-endian TIFF, one IFD0 entry: orientation) after SOI.
    func withOrientation(_ jpeg: [UInt8], _ value: UInt8) -> [UInt8] {
        let tiff: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, value, 0, 0, 0, 0, 0, 0, 0]
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + jpeg.dropFirst(2)
    }

    func testExifOrientationTurnsTheImageUpright() throws {
        let jpeg = try bytes(Fixtures.photo("hot_dog.jpg"))
        let plain = try ImageDecoder.decode(jpeg, name: "hot_dog.jpg")
        for value in 1...8 {
            let turned = try ImageDecoder.decode(withOrientation(jpeg, UInt8(value)), name: "turned.jpg")
            XCTAssertEqual(turned, Orientation(value: value).apply(to: plain), "orientation \(value)")
        }
        // Spot-check the geometry of 6 (stored turned 90° counter-clockwise; shown turned clockwise).
        let six = try ImageDecoder.decode(withOrientation(jpeg, 6), name: "six.jpg")
        XCTAssertEqual([six.width, six.height], [plain.height, plain.width])
        func pixel(_ image: RGBImage, _ x: Int, _ y: Int) -> [UInt8] {
            Array(image.pixels[(y * image.width + x) * 3..<(y * image.width + x) * 3 + 3])
        }
        // The stored bottom-left corner becomes the upright top-left.
        XCTAssertEqual(pixel(six, 0, 0), pixel(plain, 0, plain.height - 1))
        XCTAssertEqual(pixel(six, six.width - 1, 0), pixel(plain, 0, 0))
        let three = try ImageDecoder.decode(withOrientation(jpeg, 3), name: "three.jpg")
        XCTAssertEqual(pixel(three, 0, 0), pixel(plain, plain.width - 1, plain.height - 1))
    }

    func testDCTScalingDecodesLargePhotosSmaller() throws {
        let file = try Fixtures.photo("cat_1080p.jpg").path
        let full = try ImageDecoder.decode(file: file)
        XCTAssertEqual([full.width, full.height], [1920, 1080])
        let scaled = try ImageDecoder.decode(file: file, minimumSide: 224, crop: .standard)
        let crop = CropMode.standard.rectangle(width: scaled.width, height: scaled.height)
        XCTAssertLessThan(scaled.width * scaled.height, full.width * full.height / 4)
        XCTAssertGreaterThanOrEqual(min(crop.width, crop.height), 224)
        // One scale step smaller would no longer cover the target: 1920×1080 at 2/8 is 480×270, crop 236.
        XCTAssertEqual([scaled.width, scaled.height], [480, 270])
    }

    func testGreyscaleJPEGBecomesRGB() throws {
        let image = try ImageDecoder.decode(file: Fixtures.require(
            Fixtures.shared.appendingPathComponent("datasets/caltech101/Motorbikes/image_0512.jpg")).path)
        XCTAssertEqual(image.pixels.count, image.width * image.height * 3)
        for i in stride(from: 0, to: image.pixels.count, by: 3) {
            XCTAssertTrue(image.pixels[i] == image.pixels[i + 1] && image.pixels[i] == image.pixels[i + 2])
        }
        XCTAssertGreaterThan(Set(image.pixels).count, 50, "a real picture, not a flat grey")
    }

    // MARK: - hostile input

    func assertRefused(_ data: [UInt8], _ name: String, _ cause: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ImageDecoder.decode(data, name: name), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("\(name): ") && text.contains(cause) && !text.contains("\n"),
                          "\(text)", file: file, line: line)
        }
    }

    func testTruncatedAndForeignFilesAreClearErrors() throws {
        let jpeg = try bytes(Fixtures.photo("owl.jpg")), png = try bytes(Fixtures.photo("cat.png"))
        assertRefused(Array(jpeg.prefix(jpeg.count / 2)), "half.jpg", "corrupt or truncated JPEG")
        assertRefused(Array(png.prefix(png.count / 2)), "half.png", "PNG")
        assertRefused(Array(jpeg.prefix(200)), "header-only.jpg", "invalid JPEG header")
        assertRefused([], "empty.jpg", "empty file")
        assertRefused(Array("name,label\ncat,1\n".utf8), "labels.csv.jpg", "not a JPEG or PNG image")
    }

    /// A header claiming 20000×20000 is refused from the header alone, before any pixel memory.
    func testHugeDimensionsAreRefusedBeforeDecoding() throws {
        var jpeg = try bytes(Fixtures.photo("owl.jpg"))
        // Patch the height and width of the frame header (SOF0: FF C0, length, precision, H, W), walking
        // the segments: a byte search could land in the Exif thumbnail's own JPEG.
        var sof = 2
        while jpeg[sof + 1] != 0xC0 { sof += 2 + Int(jpeg[sof + 2]) << 8 + Int(jpeg[sof + 3]) }
        jpeg.replaceSubrange(sof + 5..<sof + 9, with: [0x4E, 0x20, 0x4E, 0x20])
        assertRefused(jpeg, "huge.jpg", "20000×20000, over the 50-megapixel limit")

        var png = try bytes(Fixtures.photo("cat.png"))
        png.replaceSubrange(16..<24, with: [0, 0, 0x4E, 0x20, 0, 0, 0x4E, 0x20])
        let crc = crc32(Array(png[12..<29]))
        png.replaceSubrange(29..<33, with: [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)])
        assertRefused(png, "huge.png", "20000×20000, over the 50-megapixel limit")
    }

    func testFlippedBitsNeverCrash() throws {
        var generator = SystemRandomNumberGenerator()
        for name in ["owl.jpg", "resized_cat.png"] {
            let original = try bytes(Fixtures.photo(name))
            for _ in 0..<150 {
                var data = original
                for _ in 0..<8 { data[Int.random(in: 0..<min(data.count, 4096), using: &generator)] ^= UInt8.random(in: 1...255, using: &generator) }
                if let image = try? ImageDecoder.decode(data, name: name) {
                    XCTAssertEqual(image.pixels.count, image.width * image.height * 3)
                }
            }
        }
    }

    func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
