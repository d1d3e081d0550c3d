/// EXIF orientation (TIFF tag 0x0112): how the stored pixels must be turned to stand upright.
struct Orientation: Equatable {
    /// 1 upright, 2 mirrored, 3 upside down, 4 mirrored vertically, 5 transposed, 6 turned 90° clockwise to view,
    /// 7 transversed, 8 turned 90° counter-clockwise to view.
    let value: Int

    /// Reads the orientation from a JPEG's APP1 Exif segment; 1 when absent or unreadable.
    init(exifIn jpeg: [UInt8]) {
        value = Self.read(jpeg) ?? 1
    }

    init(value: Int) { self.value = value }

    private static func read(_ b: [UInt8]) -> Int? {
        var at = 2
        while at + 4 <= b.count, b[at] == 0xFF {
            let marker = b[at + 1]
            if marker == 0xDA || marker == 0xD9 { return nil }  // image data starts: no Exif before it
            let length = Int(b[at + 2]) << 8 | Int(b[at + 3])
            guard length >= 2, at + 2 + length <= b.count else { return nil }
            let start = at + 4, end = at + 2 + length
            if marker == 0xE1, end - start >= 14, Array(b[start..<start + 6]) == [0x45, 0x78, 0x69, 0x66, 0, 0] {
                return tiffOrientation(Array(b[start + 6..<end]))
            }
            at = end
        }
        return nil
    }

    private static func tiffOrientation(_ t: [UInt8]) -> Int? {
        guard t.count >= 8 else { return nil }
        let little: Bool
        switch (t[0], t[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ i: Int) -> Int? {
            guard i >= 0, i + 2 <= t.count else { return nil }
            return little ? Int(t[i]) | Int(t[i + 1]) << 8 : Int(t[i]) << 8 | Int(t[i + 1])
        }
        func u32(_ i: Int) -> Int? {
            guard let hi = u16(little ? i + 2 : i), let lo = u16(little ? i : i + 2) else { return nil }
            return hi << 16 | lo
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for entry in 0..<count {
            let e = ifd + 2 + entry * 12
            guard let tag = u16(e) else { return nil }
            if tag == 0x0112, u16(e + 2) == 3, let v = u16(e + 8), (1...8).contains(v) { return v }
        }
        return nil
    }

    /// The image as it should be viewed.
    func apply(to image: RGBImage) -> RGBImage {
        guard value != 1 else { return image }
        let w = image.width, h = image.height
        let swaps = value >= 5
        let outW = swaps ? h : w, outH = swaps ? w : h
        var out = [UInt8](repeating: 0, count: image.pixels.count)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<outH {
                    for x in 0..<outW {
                        // Source pixel shown at (x, y) of the upright image.
                        let (sx, sy): (Int, Int)
                        switch value {
                        case 2: (sx, sy) = (w - 1 - x, y)
                        case 3: (sx, sy) = (w - 1 - x, h - 1 - y)
                        case 4: (sx, sy) = (x, h - 1 - y)
                        case 5: (sx, sy) = (y, x)
                        case 6: (sx, sy) = (y, h - 1 - x)
                        case 7: (sx, sy) = (w - 1 - y, h - 1 - x)
                        default: (sx, sy) = (w - 1 - y, x)  // 8
                        }
                        let s = (sy * w + sx) * 3, d = (y * outW + x) * 3
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return RGBImage(width: outW, height: outH, pixels: out)
    }
}
