import Foundation
import FuzzSupport
import LookoutImaging

/// An input is an image file's bytes. They go through what `lookout classify`, retrain and lookoutd's
/// replay do with a photo: decode (EXIF orientation, DCT scaling), crop and resize to the model's
/// input; and the motion gate's grey thumbnail.
func fuzz(_ input: [UInt8]) {
    let crop: CropMode = input.count % 2 == 0 ? .standard : .none
    _ = try? ImagePreprocessor.load(input, name: "fuzz", framing: Framing(size: 224, crop: crop))
    _ = try? ImageDecoder.greyThumbnail(of: input, name: "fuzz", side: 32)
}

/// A PNG of `image` (RGB, 8 bits, deflate's stored blocks: no compressor needed to make seeds).
func png(_ image: RGBImage) -> [UInt8] {
    func be32(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> $0) } }
    var table = [UInt32](repeating: 0, count: 256)
    for n in 0..<256 {
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        table[n] = c
    }
    func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        let crc = ~body.reduce(UInt32.max) { table[Int(($0 ^ UInt32($1)) & 0xFF)] ^ ($0 >> 8) }
        return be32(UInt32(data.count)) + body + be32(crc)
    }
    var raw: [UInt8] = []
    for y in 0..<image.height { raw.append(0); raw += image.pixels[y * image.width * 3..<(y + 1) * image.width * 3] }
    var zlib: [UInt8] = [0x78, 0x01]
    var offset = 0
    repeat {
        let n = min(65535, raw.count - offset)
        zlib += [offset + n == raw.count ? 1 : 0, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
        zlib += raw[offset..<offset + n]
        offset += n
    } while offset < raw.count
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in raw { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
    zlib += be32(b << 16 | a)
    let header = be32(UInt32(image.width)) + be32(UInt32(image.height)) + [8, 2, 0, 0, 0]
    return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", zlib) + chunk("IEND", [])
}

/// `jpeg` with an EXIF APP1 segment saying `orientation`, as phones write it.
func withOrientation(_ jpeg: [UInt8], _ orientation: UInt8) -> [UInt8] {
    let tiff: [UInt8] = Array("MM".utf8) + [0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0]
    let payload = Array("Exif".utf8) + [0, 0] + tiff
    let length = payload.count + 2
    return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + jpeg[2...]
}

@_cdecl("FuzzImage_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzzMain(argc, argv, seeds: {
        // Real photos re-encoded small (JPEG, PNG, EXIF-rotated), and two small real files as they are.
        var seeds: [String: [UInt8]] = [:]
        for name in ["resized_cat.png", "cat_720p.jpg"] {
            seeds[name] = try Shared.read(Shared.photos.appendingPathComponent(name))
        }
        for (name, side) in [("grace_hopper.png", 48), ("parrot.jpg", 96), ("owl.jpg", 33)] {
            let photo = try ImageDecoder.decode(file: Shared.photos.appendingPathComponent(name).path, crop: .none)
            let small = Resize.resize(photo, rectangle: (0, 0, photo.width, photo.height * 3 / 4), to: side)
            let jpeg = try JPEGEncoder.encode(small, quality: 75)
            seeds["\(name)-\(side).jpg"] = jpeg
            seeds["\(name)-\(side)-rotated.jpg"] = withOrientation(jpeg, 6)
            seeds["\(name)-\(side).png"] = png(small)
        }
        return seeds
    }, fuzz)
}
