import Foundation
import LookoutImaging
import XCTest

/// JPEGEncoder (libturbojpeg's tjCompress2), as `lookout capture` and the inbox save frames: what it
/// writes decodes back to the same size and nearly the same pixels.
final class EncoderTests: XCTestCase {
    /// A smooth colour gradient with a sharp-edged square: both kinds of content cameras deliver.
    func pattern(width: Int, height: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                let inside = x > width / 4 && x < width / 2 && y > height / 4 && y < height / 2
                pixels[i] = inside ? 250 : UInt8(x * 255 / max(width - 1, 1))
                pixels[i + 1] = inside ? 20 : UInt8(y * 255 / max(height - 1, 1))
                pixels[i + 2] = UInt8((x + y) * 255 / max(width + height - 2, 1))
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    func meanError(_ a: RGBImage, _ b: RGBImage) -> Double {
        Double(zip(a.pixels, b.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(a.pixels.count)
    }

    func testRoundTrip() throws {
        for (width, height) in [(640, 480), (33, 17), (1, 1)] {
            let image = pattern(width: width, height: height)
            let bytes = try JPEGEncoder.encode(image, quality: 95)
            XCTAssertEqual(Array(bytes.prefix(3)), [0xFF, 0xD8, 0xFF], "a JPEG (SOI marker)")
            let decoded = try ImageDecoder.decode(bytes, name: "frame.jpg")
            XCTAssertEqual(decoded.width, width)
            XCTAssertEqual(decoded.height, height)
            // 4:2:0 chroma blurs the square's colour edges, which weigh more in a small image.
            if width > 1 { XCTAssertLessThan(meanError(image, decoded), width >= 320 ? 2 : 5, "\(width)×\(height) at quality 95") }
        }
    }

    func testQualityTradesSizeForFidelity() throws {
        let image = pattern(width: 320, height: 240)
        let high = try JPEGEncoder.encode(image, quality: 95), low = try JPEGEncoder.encode(image, quality: 20)
        XCTAssertGreaterThan(high.count, low.count)
        XCTAssertLessThan(meanError(image, try ImageDecoder.decode(high, name: "high.jpg")),
                          meanError(image, try ImageDecoder.decode(low, name: "low.jpg")))
    }

    func testWrittenFileIsReadLikeAPhoto() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("encoder-\(UUID().uuidString).jpg")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(try JPEGEncoder.encode(pattern(width: 640, height: 480), quality: 95)).write(to: file)
        let input = try ImagePreprocessor.load(file: file.path, size: 224)
        XCTAssertEqual(input.width, 224)
        XCTAssertEqual(input.height, 224)
    }
}
