import Foundation
@testable import LookoutImaging
import LookoutTestSupport
import XCTest

/// Lookout's decode + crop + resize against the reference inputs (PIL: central 87.5 % crop, bilinear).
final class ReferenceCropTests: XCTestCase {
    static let originals = ["grace_hopper.png", "cat.png", "bird.png", "parrot.jpg", "hot_dog.jpg", "dragonfly.png",
                            "owl.jpg", "pets.jpg"]

    func meanAbsoluteDifference(_ a: RGBImage, _ b: RGBImage) -> Double {
        Double(zip(a.pixels, b.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +)) / Double(a.pixels.count)
    }

    func testCropsMatchTheReferenceInputs() throws {
        for original in Self.originals {
            let stem = original.split(separator: ".")[0]
            for size in [224, 160, 128] {
                let reference = try ImageDecoder.decode(file: Fixtures.referenceInput("\(stem)_\(size).png").path)
                // Full decode: the reference decoded the whole image before resizing.
                let full = try ImageDecoder.decode(file: Fixtures.photo(original).path)
                let ours = Resize.cropAndResize(full, to: size, crop: .standard)
                XCTAssertEqual(ours, reference, "\(original) at \(size): pixels differ from PIL's")
            }
        }
    }

    /// The fast path decodes JPEGs at a reduced DCT scale: the IDCT's low-pass replaces PIL's triangle
    /// filter, so fine texture (the fur in pets.jpg) differs by a few levels; PNGs stay exact.
    func testScaledDecodeStaysCloseToTheReference() throws {
        for original in Self.originals {
            let stem = original.split(separator: ".")[0]
            let reference = try ImageDecoder.decode(file: Fixtures.referenceInput("\(stem)_128.png").path)
            let ours = try ImagePreprocessor.load(file: Fixtures.photo(original).path, size: 128)
            let mad = meanAbsoluteDifference(ours, reference)
            print("\(original) at 128 through DCT scaling: mean |Δ| \(mad)")
            XCTAssertLessThan(mad, 8, original)
            if original.hasSuffix(".png") { XCTAssertEqual(ours, reference, original) }
        }
    }

    func testImageAlreadyAtSizeIsFedUnchanged() throws {
        let file = try Fixtures.referenceInput("owl_224.png").path
        XCTAssertEqual(try ImagePreprocessor.load(file: file, size: 224, crop: .none), try ImageDecoder.decode(file: file))
    }
}
