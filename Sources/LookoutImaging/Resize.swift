/// Crop and resize as PIL's `img.crop(box).resize(size, Image.BILINEAR)` does, which the reference
/// inputs (and MobileNet's usual evaluation) used: a separable triangle filter whose support widens
/// with the downscale ratio (antialiasing), 22-bit fixed-point weights, horizontal pass then vertical,
/// rounding to 8 bits after each pass.
public enum Resize {
    static let precisionBits = 22

    /// Fixed-point filter taps of one axis: for output i, `count[i]` weights from input `start[i]`.
    struct Taps {
        var start: [Int] = [], count: [Int] = [], weights: [Int32] = [], stride = 0

        init(input: Int, output: Int) {
            let scale = Double(input) / Double(output)
            let filterScale = max(scale, 1)
            let support = filterScale  // the bilinear (triangle) filter has support 1
            stride = Int(support.rounded(.up)) * 2 + 1
            weights = [Int32](repeating: 0, count: output * stride)
            for i in 0..<output {
                let center = (Double(i) + 0.5) * scale
                let lo = max(Int(center - support + 0.5), 0)
                let hi = min(Int(center + support + 0.5), input)
                var w = (lo..<hi).map { j in max(0, 1 - abs((Double(j) - center + 0.5) / filterScale)) }
                let total = w.reduce(0, +)
                if total != 0 { w = w.map { $0 / total } }
                start.append(lo)
                count.append(w.count)
                for (k, v) in w.enumerated() {
                    let fixed = v * Double(1 << Resize.precisionBits)
                    weights[i * stride + k] = Int32(fixed < 0 ? fixed - 0.5 : fixed + 0.5)
                }
            }
        }
    }

    @inline(__always)
    static func clip8(_ v: Int) -> UInt8 {
        let shifted = v >> precisionBits
        return UInt8(clamping: shifted)
    }

    /// Crops per `crop`, then resizes to size×size. An image that already is size×size and is not
    /// cropped comes back unchanged.
    public static func cropAndResize(_ image: RGBImage, to size: Int, crop: CropMode) -> RGBImage {
        resize(image, rectangle: crop.rectangle(width: image.width, height: image.height), to: size)
    }

    /// Resizes the part of `image` inside `box` (which must lie inside the image) to size×size.
    public static func resize(_ image: RGBImage, rectangle box: (x: Int, y: Int, width: Int, height: Int), to size: Int) -> RGBImage {
        if box.width == size, box.height == size, box.width == image.width, box.height == image.height { return image }
        return resample(image, box, size)
    }

    /// Crop and resize straight from a camera frame: pixels are converted to RGB as the filter reads
    /// them, so no full-size RGB copy is made. Same contract as `cropAndResize` on the converted frame.
    public static func cropAndResize(_ frame: CameraFrame, to size: Int, crop: CropMode) -> RGBImage {
        let box = crop.rectangle(width: frame.width, height: frame.height)
        switch frame.format {
        case .rgb24: return resample(RGB24Pixels(frame), box, size)
        case .yuyv: return resample(YUYVPixels(frame), box, size)
        case .nv12: return resample(NV12Pixels(frame), box, size)
        }
    }

    /// The two-pass filter, specialised per pixel source. The horizontal pass covers only the rows the
    /// vertical pass will read, converting each of them to RGB once into a one-row buffer.
    static func resample<Source: PixelSource>(_ source: Source, _ box: (x: Int, y: Int, width: Int, height: Int), _ size: Int) -> RGBImage {
        let horizontal = Taps(input: box.width, output: size), vertical = Taps(input: box.height, output: size)
        let rounding = 1 << (precisionBits - 1)
        let firstRow = vertical.start[0], lastRow = vertical.start[size - 1] + vertical.count[size - 1]
        let rows = lastRow - firstRow
        var temp = [UInt8](repeating: 0, count: rows * size * 3)
        // One spare byte: each tap loads a pixel as 4 bytes (R G B and the next R, weighed but unused).
        var row = [UInt8](repeating: 0, count: box.width * 3 + 1)
        let starts = horizontal.start.map { $0 * 3 }, counts = horizontal.count, stride = horizontal.stride
        temp.withUnsafeMutableBufferPointer { dst in
            row.withUnsafeMutableBufferPointer { line in
                horizontal.weights.withUnsafeBufferPointer { weights in
                    starts.withUnsafeBufferPointer { starts in
                        counts.withUnsafeBufferPointer { counts in
                            for r in 0..<rows {
                                source.row(box.y + firstRow + r, x: box.x, count: box.width, into: line.baseAddress!)
                                var d = r * size * 3
                                let pixels = UnsafeRawPointer(line.baseAddress!)
                                for x in 0..<size {
                                    // R, G, B in one 4-lane vector; Int32 suffices, as in the vertical pass.
                                    var acc = SIMD4<Int32>(repeating: Int32(rounding))
                                    var p = starts[x], w = x &* stride
                                    for _ in 0..<counts[x] {
                                        let pixel = pixels.loadUnaligned(fromByteOffset: p, as: SIMD4<UInt8>.self)
                                        acc &+= SIMD4<Int32>(truncatingIfNeeded: pixel) &* SIMD4(repeating: weights[w])
                                        p &+= 3
                                        w &+= 1
                                    }
                                    dst[d] = clip8(Int(acc[0])); dst[d &+ 1] = clip8(Int(acc[1])); dst[d &+ 2] = clip8(Int(acc[2]))
                                    d &+= 3
                                }
                            }
                        }
                    }
                }
            }
        }
        // Vertical pass one output row at a time, tap by tap over whole rows, 16 values per step in
        // portable SIMD (NEON on arm64). Int32 suffices: 255 × 2^22 plus rounding stays below 2^31.
        var out = [UInt8](repeating: 0, count: size * size * 3)
        let width = size * 3, vectors = width / 16
        var sums = [SIMD16<Int32>](repeating: .zero, count: vectors + 1)
        temp.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer { dst in
                sums.withUnsafeMutableBufferPointer { acc in
                    for y in 0..<size {
                        for v in 0...vectors { acc[v] = SIMD16(repeating: Int32(rounding)) }
                        for k in 0..<vertical.count[y] {
                            let weight = SIMD16<Int32>(repeating: vertical.weights[y * vertical.stride + k])
                            let line = (vertical.start[y] - firstRow + k) * width
                            for v in 0..<vectors {
                                let pixels = src.loadUnaligned(fromByteOffset: line + v * 16, as: SIMD16<UInt8>.self)
                                acc[v] &+= SIMD16<Int32>(truncatingIfNeeded: pixels) &* weight
                            }
                            for x in vectors * 16..<width {
                                acc[vectors][x - vectors * 16] &+= Int32(src[line + x]) &* weight[0]
                            }
                        }
                        // Shift, clamp and narrow 16 at a time; the tail (width is not a multiple of 16) lane by lane.
                        let row = UnsafeMutableRawPointer(dst.baseAddress! + y * width)
                        for v in 0..<vectors {
                            let bytes = (acc[v] &>> Int32(precisionBits)).clamped(lowerBound: .zero, upperBound: SIMD16(repeating: 255))
                            row.storeBytes(of: SIMD16<UInt8>(truncatingIfNeeded: bytes), toByteOffset: v * 16, as: SIMD16<UInt8>.self)
                        }
                        for x in vectors * 16..<width { dst[y * width + x] = clip8(Int(acc[vectors][x - vectors * 16])) }
                    }
                }
            }
        }
        return RGBImage(width: size, height: size, pixels: out)
    }
}

public enum ImagePreprocessor {
    /// Decode, EXIF-rotate, crop and resize to size×size: the model's input, as `lookout classify` feeds it.
    public static func load(file path: String, size: Int, crop: CropMode = .standard) throws -> RGBImage {
        Resize.cropAndResize(try ImageDecoder.decode(file: path, minimumSide: size, crop: crop), to: size, crop: crop)
    }

    public static func load(file path: String, framing: Framing) throws -> RGBImage {
        try load(file: path, size: framing.size, crop: framing.crop)
    }

    /// The same for an image already read into memory (`name` names it in errors).
    public static func load(_ bytes: [UInt8], name: String, framing: Framing) throws -> RGBImage {
        let image = try ImageDecoder.decode(bytes, name: name, minimumSide: framing.size, crop: framing.crop)
        return Resize.cropAndResize(image, to: framing.size, crop: framing.crop)
    }
}
