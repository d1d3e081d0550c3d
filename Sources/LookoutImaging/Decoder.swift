import CSPNG
import CTurboJPEG
import Foundation
import LookoutFiles

/// Decodes JPEG (libturbojpeg) and PNG (libspng) into RGB, recognised by content, not by name.
public enum ImageDecoder {
    /// Images with more pixels than this are refused before anything is allocated for them.
    public static let defaultMaxPixels = 50_000_000

    /// `minimumSide`: decode a JPEG at the smallest DCT scale (1/8 … 1) whose `crop` is still at least
    /// this many pixels wide, so a large photo decodes straight to near the model's size.
    public static func decode(file path: String, minimumSide: Int? = nil, crop: CropMode = .standard) throws -> RGBImage {
        let name = (path as NSString).lastPathComponent
        let data: [UInt8]
        do { data = try RegularFile.read(path) } catch let error as FileError { throw ImageError(path, error.cause) }
        do { return try decode(data, name: name, minimumSide: minimumSide, crop: crop) } catch let error as ImageError {
            throw ImageError(path, error.cause)
        }
    }

    /// The motion gate's side×side grey thumbnail (`greyThumbnail`) of a whole picture, decoded at
    /// the smallest DCT scale that still covers it: an MJPEG frame, a replayed photo.
    public static func greyThumbnail(of bytes: [UInt8], name: String, side: Int) throws -> [UInt8] {
        let small = try decode(bytes, name: name, minimumSide: side, crop: .none)
        return LookoutImaging.greyThumbnail(width: small.width, height: small.height, side: side, luma: small.luma)
    }

    public static func decode(_ bytes: [UInt8], name: String, minimumSide: Int? = nil, crop: CropMode = .standard,
                              maxPixels: Int = defaultMaxPixels) throws -> RGBImage {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            let image = try decodeJPEG(bytes, name: name, minimumSide: minimumSide, crop: crop, maxPixels: maxPixels)
            return Orientation(exifIn: bytes).apply(to: image)
        }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return try decodePNG(bytes, name: name, maxPixels: maxPixels)
        }
        throw ImageError(name, bytes.isEmpty ? "empty file" : "not a JPEG or PNG image")
    }

    static func checkSize(_ width: Int, _ height: Int, _ name: String, _ format: String, _ maxPixels: Int) throws {
        guard width > 0, height > 0 else { throw ImageError(name, "invalid \(format) header: no image size") }
        guard width.multipliedReportingOverflow(by: height).partialValue <= maxPixels, width <= 65535, height <= 65535 else {
            throw ImageError(name, "image is \(width)×\(height), over the \(maxPixels / 1_000_000)-megapixel limit")
        }
    }

    static func decodeJPEG(_ bytes: [UInt8], name: String, minimumSide: Int?, crop: CropMode, maxPixels: Int) throws -> RGBImage {
        guard let handle = tjInitDecompress() else { throw ImageError(name, "cannot start the JPEG decoder") }
        defer { tjDestroy(handle) }
        func failure(_ what: String) -> ImageError {
            ImageError(name, "\(what) (\(String(cString: tjGetErrorStr2(handle))))")
        }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        guard tjDecompressHeader3(handle, bytes, UInt(bytes.count), &width, &height, &subsampling, &colorspace) == 0 else {
            throw failure("invalid JPEG header")
        }
        try checkSize(Int(width), Int(height), name, "JPEG", maxPixels)

        var scaled = (width: Int(width), height: Int(height))
        if let minimumSide {
            var count: Int32 = 0
            let factors = UnsafeBufferPointer(start: tjGetScalingFactors(&count), count: Int(max(count, 0)))
            // Smallest output that still leaves a crop of at least minimumSide pixels.
            for factor in factors where factor.num <= factor.denom {
                let w = Int((width * factor.num + factor.denom - 1) / factor.denom)
                let h = Int((height * factor.num + factor.denom - 1) / factor.denom)
                let side = crop.rectangle(width: w, height: h)
                if min(side.width, side.height) >= minimumSide, w * h < scaled.width * scaled.height { scaled = (w, h) }
            }
        }
        var pixels = [UInt8](repeating: 0, count: scaled.width * scaled.height * 3)
        // Stop on warnings too: libjpeg reports truncated data ("premature end") only as a warning.
        // A progressive JPEG of more than 500 scans is refused: thousands of them burn CPU for nothing.
        let status = tjDecompress2(handle, bytes, UInt(bytes.count), &pixels, Int32(scaled.width), 0, Int32(scaled.height),
                                   Int32(TJPF_RGB.rawValue), TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS)
        guard status == 0 else { throw failure("corrupt or truncated JPEG data") }
        return RGBImage(width: scaled.width, height: scaled.height, pixels: pixels)
    }

    static func decodePNG(_ bytes: [UInt8], name: String, maxPixels: Int) throws -> RGBImage {
        guard let ctx = spng_ctx_new(0) else { throw ImageError(name, "cannot start the PNG decoder") }
        defer { spng_ctx_free(ctx) }
        func check(_ status: Int32, _ what: String) throws {
            guard status == 0 else { throw ImageError(name, "\(what) (\(String(cString: spng_strerror(status))))") }
        }
        try bytes.withUnsafeBytes { raw in
            try check(spng_set_png_buffer(ctx, raw.baseAddress, raw.count), "invalid PNG")
            // Bound what ancillary chunks may make libspng allocate.
            try check(spng_set_chunk_limits(ctx, 1 << 24, 1 << 26), "invalid PNG")
            var header = spng_ihdr()
            try check(spng_get_ihdr(ctx, &header), "invalid PNG header")
            try checkSize(Int(header.width), Int(header.height), name, "PNG", maxPixels)
        }
        var size = 0
        try check(spng_decoded_image_size(ctx, Int32(SPNG_FMT_RGB8.rawValue), &size), "unsupported PNG")
        var header = spng_ihdr()
        try check(spng_get_ihdr(ctx, &header), "invalid PNG header")
        var pixels = [UInt8](repeating: 0, count: size)
        try check(spng_decode_image(ctx, &pixels, size, Int32(SPNG_FMT_RGB8.rawValue), 0), "corrupt or truncated PNG data")
        return RGBImage(width: Int(header.width), height: Int(header.height), pixels: pixels)
    }
}

/// JPEG encoding (libturbojpeg): training snapshots, report thumbnails.
public enum JPEGEncoder {
    public static func encode(_ image: RGBImage, quality: Int = 90) throws -> [UInt8] {
        guard let handle = tjInitCompress() else { throw ImageError("jpeg", "cannot start the JPEG encoder") }
        defer { tjDestroy(handle) }
        var buffer: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            tjCompress2(handle, pixels.baseAddress, Int32(image.width), 0, Int32(image.height), Int32(TJPF_RGB.rawValue),
                        &buffer, &size, Int32(TJSAMP_420.rawValue), Int32(quality), 0)
        }
        defer { if let buffer { tjFree(buffer) } }
        guard status == 0, let buffer else { throw ImageError("jpeg", String(cString: tjGetErrorStr2(handle))) }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
    }
}
