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

    /// The two-pass filter, specialised per pixel source. Output rows are made one at a time; the
    /// horizontal pass runs on the source rows each needs as it gets to them, converting each row to
    /// RGB once into a one-row buffer, and keeps its results in a ring of as many rows as the
    /// vertical filter has taps (a few kB that stay in cache, not a 224-wide copy of the crop).
    static func resample<Source: PixelSource>(_ source: Source, _ box: (x: Int, y: Int, width: Int, height: Int), _ size: Int) -> RGBImage {
        let horizontal = Taps(input: box.width, output: size), vertical = Taps(input: box.height, output: size)
        let rounding = Int32(1 << (precisionBits - 1))
        let width = size * 3, vectors = width / 16, ringRows = vertical.count.max() ?? 1
        // One spare byte in each buffer and ring slot: a pixel is loaded and stored as 4 bytes (R G B
        // and the next R: weighed but unused when loaded, overwritten by the next pixel when stored;
        // the last pixel's must not land in the next slot, which may hold a row still in use).
        let pitch = width + 1
        var ring = [UInt8](repeating: 0, count: ringRows * pitch)
        var row = [UInt8](repeating: 0, count: box.width * 3 + 1)
        var out = [UInt8](repeating: 0, count: size * size * 3)
        var sums = [SIMD16<Int32>](repeating: .zero, count: vectors + 1)
        let starts = horizontal.start.map { $0 * 3 }, counts = horizontal.count, stride = horizontal.stride
        ring.withUnsafeMutableBytes { ring in
            row.withUnsafeMutableBufferPointer { line in
                horizontal.weights.withUnsafeBufferPointer { weights in
                    starts.withUnsafeBufferPointer { starts in
                        counts.withUnsafeBufferPointer { counts in
                            out.withUnsafeMutableBufferPointer { dst in
                                sums.withUnsafeMutableBufferPointer { acc in
                                    // Horizontal pass of source row r (of the box) into its ring slot.
                                    func filterRow(_ r: Int) {
                                        source.row(box.y + r, x: box.x, count: box.width, into: line.baseAddress!)
                                        var d = (r % ringRows) * pitch
                                        let pixels = UnsafeRawPointer(line.baseAddress!)
                                        for x in 0..<size {
                                            // R, G, B in one 4-lane vector; Int32 suffices, as in the vertical pass.
                                            var sum = SIMD4<Int32>(repeating: rounding)
                                            var p = starts[x], w = x &* stride
                                            for _ in 0..<counts[x] {
                                                let pixel = pixels.loadUnaligned(fromByteOffset: p, as: SIMD4<UInt8>.self)
                                                sum &+= SIMD4<Int32>(truncatingIfNeeded: pixel) &* SIMD4(repeating: weights[w])
                                                p &+= 3
                                                w &+= 1
                                            }
                                            // clip8 on all lanes at once (the 4th lands on the next pixel's R).
                                            let bytes = (sum &>> Int32(precisionBits)).clamped(lowerBound: .zero, upperBound: SIMD4(repeating: 255))
                                            ring.storeBytes(of: SIMD4<UInt8>(truncatingIfNeeded: bytes), toByteOffset: d, as: SIMD4<UInt8>.self)
                                            d &+= 3
                                        }
                                    }
                                    // Vertical pass one output row at a time, tap by tap over whole rows, 16 values
                                    // per step in portable SIMD (NEON on arm64). Int32 suffices: 255 × 2^22 plus
                                    // rounding stays below 2^31. Taps only move down, so a row filtered here
                                    // is never needed again once its ring slot is reused.
                                    var filtered = vertical.start[0]
                                    for y in 0..<size {
                                        let top = vertical.start[y], taps = vertical.count[y]
                                        while filtered < top + taps {
                                            filterRow(filtered)
                                            filtered += 1
                                        }
                                        for v in 0...vectors { acc[v] = SIMD16(repeating: rounding) }
                                        for k in 0..<taps {
                                            let weight = SIMD16<Int32>(repeating: vertical.weights[y * vertical.stride + k])
                                            let line = ((top + k) % ringRows) * pitch
                                            for v in 0..<vectors {
                                                let pixels = ring.loadUnaligned(fromByteOffset: line + v * 16, as: SIMD16<UInt8>.self)
                                                acc[v] &+= SIMD16<Int32>(truncatingIfNeeded: pixels) &* weight
                                            }
                                            for x in vectors * 16..<width {
                                                acc[vectors][x - vectors * 16] &+= Int32(ring[line + x]) &* weight[0]
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
