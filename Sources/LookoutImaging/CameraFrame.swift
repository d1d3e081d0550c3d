/// A raw frame as a camera delivers it, in one of the formats Lookout converts natively.
/// (MJPEG frames go through `ImageDecoder`, which decodes them at a reduced DCT scale.)
public struct CameraFrame {
    public enum Format: String, Sendable, CaseIterable {
        /// Packed 4:2:2: Y0 U Y1 V for each pair of pixels.
        case yuyv
        /// Planar 4:2:0: a Y plane, then interleaved U V at half resolution.
        case nv12
        case rgb24
    }

    public let width: Int
    public let height: Int
    public let format: Format
    /// Bytes from one row to the next (of the Y plane for NV12).
    public let bytesPerLine: Int
    public let bytes: UnsafeRawBufferPointer

    /// Checks that `bytes` holds a whole frame: short frames are refused, never read past.
    public init(width: Int, height: Int, format: Format, bytesPerLine: Int, bytes: UnsafeRawBufferPointer) throws {
        let minimumLine = format == .yuyv ? width * 2 : format == .rgb24 ? width * 3 : width
        let needed = format == .nv12 ? bytesPerLine * height + bytesPerLine * ((height + 1) / 2) : bytesPerLine * height
        guard width > 0, height > 0, bytesPerLine >= minimumLine, bytes.count >= needed,
              format != .yuyv || width % 2 == 0 else {
            throw ImageError("\(format.rawValue) frame", "\(bytes.count) bytes for \(width)×\(height) (line \(bytesPerLine)): short or malformed frame")
        }
        (self.width, self.height, self.format, self.bytesPerLine, self.bytes) = (width, height, format, bytesPerLine, bytes)
    }

    /// The whole frame as RGB (for saving snapshots).
    public func rgb() -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        func fill<S: PixelSource>(_ s: S) {
            for y in 0..<height {
                for x in 0..<width {
                    let p = s.rgb(x, y), d = (y * width + x) * 3
                    pixels[d] = p.0; pixels[d + 1] = p.1; pixels[d + 2] = p.2
                }
            }
        }
        switch format {
        case .rgb24: fill(RGB24Pixels(self))
        case .yuyv: fill(YUYVPixels(self))
        case .nv12: fill(NV12Pixels(self))
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}

/// Anything the resampler can read RGB pixels from.
protocol PixelSource {
    func rgb(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8)
    /// Pixels x..<x+count of row y as RGB into `out`.
    func row(_ y: Int, x: Int, count: Int, into out: UnsafeMutablePointer<UInt8>)
}

extension PixelSource {
    @inline(__always)
    func row(_ y: Int, x: Int, count: Int, into out: UnsafeMutablePointer<UInt8>) {
        for i in 0..<count {
            let p = rgb(x + i, y)
            out[i * 3] = p.0; out[i * 3 + 1] = p.1; out[i * 3 + 2] = p.2
        }
    }
}

extension PixelSource {
    /// A row of a source whose pixel pairs share chroma: `pair(x)` gives Y0, Y1, U, V of pixels x and
    /// x + 1 (x even); an odd first or last pixel goes through `rgb`.
    @inline(__always)
    func pairedRow(_ y: Int, x: Int, count: Int, into out: UnsafeMutablePointer<UInt8>,
                   pair: (Int) -> (UInt8, UInt8, UInt8, UInt8)) {
        func single(_ x: Int, _ o: UnsafeMutablePointer<UInt8>) {
            let p = rgb(x, y)
            o[0] = p.0; o[1] = p.1; o[2] = p.2
        }
        var i = 0, o = out
        if x & 1 == 1 {
            single(x, o)
            (i, o) = (1, o + 3)
        }
        while i + 1 < count {
            let p = pair(x + i)
            yuvPairToRGB(p.0, p.1, p.2, p.3, into: o)
            i += 2
            o += 6
        }
        if i < count { single(x + i, o) }
    }
}

extension RGBImage: PixelSource {
    @inline(__always)
    func rgb(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
        let i = (y * width + x) * 3
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// Already RGB: a row is a copy.
    func row(_ y: Int, x: Int, count: Int, into out: UnsafeMutablePointer<UInt8>) {
        pixels.withUnsafeBufferPointer { out.update(from: $0.baseAddress! + (y * width + x) * 3, count: count * 3) }
    }
}

struct RGB24Pixels: PixelSource {
    let frame: CameraFrame
    init(_ frame: CameraFrame) { self.frame = frame }

    @inline(__always)
    func rgb(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
        let i = y * frame.bytesPerLine + x * 3
        return (frame.bytes[i], frame.bytes[i + 1], frame.bytes[i + 2])
    }

    /// Already RGB: a row is a copy.
    func row(_ y: Int, x: Int, count: Int, into out: UnsafeMutablePointer<UInt8>) {
        out.update(from: frame.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + y * frame.bytesPerLine + x * 3, count: count * 3)
    }
}

struct YUYVPixels: PixelSource {
    let frame: CameraFrame
    init(_ frame: CameraFrame) { self.frame = frame }

    @inline(__always)
    func rgb(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
        let pair = y * frame.bytesPerLine + (x & ~1) * 2
        return yuvToRGB(frame.bytes[pair + (x & 1) * 2], frame.bytes[pair + 1], frame.bytes[pair + 3])
    }

    /// A row pair by pair: each pair's chroma is read once.
    func row(_ y: Int, x: Int, count: Int, into out: UnsafeMutablePointer<UInt8>) {
        let line = (frame.bytes.baseAddress! + y * frame.bytesPerLine).assumingMemoryBound(to: UInt8.self)
        pairedRow(y, x: x, count: count, into: out) { let q = line + $0 * 2; return (q[0], q[2], q[1], q[3]) }
    }
}

struct NV12Pixels: PixelSource {
    let frame: CameraFrame
    init(_ frame: CameraFrame) { self.frame = frame }

    /// A row pair by pair, as YUYV: the two pixels share one U V sample.
    func row(_ y: Int, x: Int, count: Int, into out: UnsafeMutablePointer<UInt8>) {
        let base = frame.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let luma = base + y * frame.bytesPerLine, chroma = base + frame.bytesPerLine * frame.height + (y / 2) * frame.bytesPerLine
        pairedRow(y, x: x, count: count, into: out) { (luma[$0], luma[$0 + 1], chroma[$0], chroma[$0 + 1]) }
    }

    @inline(__always)
    func rgb(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
        let chroma = frame.bytesPerLine * frame.height + (y / 2) * frame.bytesPerLine + (x & ~1)
        return yuvToRGB(frame.bytes[y * frame.bytesPerLine + x], frame.bytes[chroma], frame.bytes[chroma + 1])
    }
}

/// Two pixels that share chroma: the chroma terms once for both, the same arithmetic as `yuvToRGB`.
@inline(__always)
func yuvPairToRGB(_ y0: UInt8, _ y1: UInt8, _ u: UInt8, _ v: UInt8, into o: UnsafeMutablePointer<UInt8>) {
    let d = Int(u) - 128, e = Int(v) - 128
    let r = 409 * e + 128, g = -100 * d - 208 * e + 128, b = 516 * d + 128
    let c0 = 298 * (Int(y0) - 16), c1 = 298 * (Int(y1) - 16)
    o[0] = UInt8(clamping: (c0 + r) >> 8); o[1] = UInt8(clamping: (c0 + g) >> 8); o[2] = UInt8(clamping: (c0 + b) >> 8)
    o[3] = UInt8(clamping: (c1 + r) >> 8); o[4] = UInt8(clamping: (c1 + g) >> 8); o[5] = UInt8(clamping: (c1 + b) >> 8)
}

/// BT.601 limited range, as V4L2 cameras deliver YUV, in the usual 8-bit fixed point.
@inline(__always)
func yuvToRGB(_ y: UInt8, _ u: UInt8, _ v: UInt8) -> (UInt8, UInt8, UInt8) {
    let c = 298 * (Int(y) - 16) + 128, d = Int(u) - 128, e = Int(v) - 128
    return (UInt8(clamping: (c + 409 * e) >> 8), UInt8(clamping: (c - 100 * d - 208 * e) >> 8), UInt8(clamping: (c + 516 * d) >> 8))
}

extension CameraFrame {
    /// The bytes a camera would deliver for `image` in `format`, YUV in BT.601 limited range as
    /// cameras encode it: the camera path's tests and benchmarks run on real photos this way.
    public static func bytes(of image: RGBImage, as format: Format) -> (bytes: [UInt8], bytesPerLine: Int) {
        let w = image.width, h = image.height
        func yuv(_ x: Int, _ y: Int) -> (Int, Int, Int) {
            let i = (y * w + x) * 3
            let (r, g, b) = (Int(image.pixels[i]), Int(image.pixels[i + 1]), Int(image.pixels[i + 2]))
            return (((66 * r + 129 * g + 25 * b + 128) >> 8) + 16,
                    ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128,
                    ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128)
        }
        switch format {
        case .rgb24:
            return (image.pixels, w * 3)
        case .yuyv:
            var out = [UInt8](repeating: 0, count: w * h * 2)
            for y in 0..<h {
                for x in stride(from: 0, to: w - 1, by: 2) {
                    let a = yuv(x, y), b = yuv(x + 1, y), i = (y * w + x) * 2
                    out[i] = UInt8(clamping: a.0)
                    out[i + 1] = UInt8(clamping: (a.1 + b.1) / 2)
                    out[i + 2] = UInt8(clamping: b.0)
                    out[i + 3] = UInt8(clamping: (a.2 + b.2) / 2)
                }
            }
            return (out, w * 2)
        case .nv12:
            var out = [UInt8](repeating: 0, count: w * h + w * ((h + 1) / 2))
            for y in 0..<h { for x in 0..<w { out[y * w + x] = UInt8(clamping: yuv(x, y).0) } }
            for y in stride(from: 0, to: h, by: 2) {
                for x in stride(from: 0, to: w - 1, by: 2) {
                    let p = yuv(x, y), i = w * h + (y / 2) * w + x
                    out[i] = UInt8(clamping: p.1)
                    out[i + 1] = UInt8(clamping: p.2)
                }
            }
            return (out, w)
        }
    }
}
