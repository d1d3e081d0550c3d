/// An 8-bit RGB image, pixels interleaved row by row.
public struct RGBImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "RGBImage: \(pixels.count) bytes for \(width)×\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// How a picture becomes the model's input: which part of it, scaled to size×size.
public struct Framing: Sendable, Equatable {
    public var size: Int
    public var crop: CropMode

    public init(size: Int, crop: CropMode = .standard) { (self.size, self.crop) = (size, crop) }
}

/// Which part of the image becomes the model's square input.
public enum CropMode: Equatable, Sendable {
    /// The central square whose side is `fraction` of the shorter side (0.875: what MobileNet was evaluated with).
    case center(fraction: Double)
    /// The whole image, squashed to the square.
    case none

    public static let standard = CropMode.center(fraction: 0.875)

    /// The crop rectangle (x, y, width, height) of a `width`×`height` image. The centred square of side
    /// s = shorter × fraction has fractional edges (dimension ∓ s) / 2; each edge is rounded half to even,
    /// as PIL's `img.crop(box)` rounds a float box. So the crop can be one pixel off square (298×299 for
    /// a 512×341 photo), exactly as in the reference pipeline.
    public func rectangle(width: Int, height: Int) -> (x: Int, y: Int, width: Int, height: Int) {
        switch self {
        case .none:
            return (0, 0, width, height)
        case .center(let fraction):
            let side = Double(min(width, height)) * fraction
            func edges(_ dimension: Int) -> (Int, Int) {
                let lo = Int(((Double(dimension) - side) / 2).rounded(.toNearestOrEven))
                let hi = Int(((Double(dimension) + side) / 2).rounded(.toNearestOrEven))
                return (max(0, lo), max(min(hi, dimension), max(0, lo) + 1))
            }
            let (x0, x1) = edges(width), (y0, y1) = edges(height)
            return (x0, y0, x1 - x0, y1 - y0)
        }
    }
}

/// A one-line error naming the image and the cause.
public struct ImageError: Error, CustomStringConvertible {
    public let description: String
    /// What went wrong, without the name.
    public let cause: String
    public init(_ name: String, _ cause: String) { (description, self.cause) = ("\(name): \(cause)", cause) }
}

/// A side×side grid of mean luma (0–255) over an image: what the motion gate compares. `luma(x, y)`
/// reads one pixel; every other row and column of each cell is enough for a difference measure.
public func greyThumbnail(width: Int, height: Int, side: Int, luma: (Int, Int) -> Int) -> [UInt8] {
    var cells = [UInt8](repeating: 0, count: side * side)
    let cellW = max(width / side, 1), cellH = max(height / side, 1)
    for cy in 0..<side {
        for cx in 0..<side {
            var sum = 0, n = 0
            for y in stride(from: cy * cellH, to: min((cy + 1) * cellH, height), by: 2) {
                for x in stride(from: cx * cellW, to: min((cx + 1) * cellW, width), by: 2) {
                    sum &+= luma(x, y)
                    n += 1
                }
            }
            cells[cy * side + cx] = UInt8(clamping: n > 0 ? sum / n : 0)
        }
    }
    return cells
}

extension RGBImage {
    /// BT.601 luma of pixel (x, y).
    @inline(__always)
    public func luma(_ x: Int, _ y: Int) -> Int {
        let i = (y * width + x) * 3
        return (Int(pixels[i]) &* 77 &+ Int(pixels[i + 1]) &* 150 &+ Int(pixels[i + 2]) &* 29) >> 8
    }
}
