import Foundation
import LookoutImaging

/// A frame copied out of the driver's buffer (a plain copy, so the buffer goes straight back to the
/// camera) and converted only if it is going to be classified: at camera rates most frames are
/// replaced by newer ones, or skipped by the motion gate, before that.
public struct RawFrame: Sendable {
    public let bytes: [UInt8]
    public let format: FourCC
    public let width: Int, height: Int, bytesPerLine: Int

    /// Takes a copy; short or malformed uncompressed frames are refused here, at once.
    init(_ buffer: UnsafeRawBufferPointer, format: FourCC, width: Int, height: Int, bytesPerLine: Int) throws {
        (self.format, self.width, self.height, self.bytesPerLine) = (format, width, height, bytesPerLine)
        if let kind = format.frameFormat {
            _ = try CameraFrame(width: width, height: height, format: kind, bytesPerLine: bytesPerLine, bytes: buffer)
        }
        bytes = Array(buffer)
    }

    /// A frame in an uncompressed layout from bytes already in memory (`lookout bench`, tests): the
    /// camera's path without the camera.
    public init(bytes: [UInt8], format: CameraFrame.Format, width: Int, height: Int, bytesPerLine: Int) throws {
        self = try bytes.withUnsafeBytes {
            try RawFrame($0, format: FourCC(format), width: width, height: height, bytesPerLine: bytesPerLine)
        }
    }

    func withFrame<T>(_ kind: CameraFrame.Format, _ body: (CameraFrame) throws -> T) throws -> T {
        try bytes.withUnsafeBytes { try body(try CameraFrame(width: width, height: height, format: kind, bytesPerLine: bytesPerLine, bytes: $0)) }
    }

    /// The model's input: converted, cropped and resized to size×size in one pass (MJPEG through
    /// libturbojpeg's scaled decode), as `lookout classify` prepares a photo.
    public func image(_ framing: Framing) throws -> RGBImage {
        let (size, crop) = (framing.size, framing.crop)
        guard let kind = format.frameFormat else {
            return Resize.cropAndResize(try ImageDecoder.decode(bytes, name: "MJPEG frame", minimumSide: size, crop: crop), to: size, crop: crop)
        }
        return try withFrame(kind) { Resize.cropAndResize($0, to: size, crop: crop) }
    }

    /// The whole frame as RGB (training images).
    public func fullImage() throws -> RGBImage {
        guard let kind = format.frameFormat else { return try ImageDecoder.decode(bytes, name: "MJPEG frame") }
        return try withFrame(kind) { $0.rgb() }
    }

    /// A side×side grey thumbnail straight from the raw bytes (luma planes are read as they are;
    /// MJPEG is decoded at its smallest DCT scale), for the motion gate.
    public func thumbnail(side: Int) throws -> [UInt8] {
        switch format.frameFormat {
        case .yuyv?:
            return bytes.withUnsafeBufferPointer { b in
                greyThumbnail(width: width, height: height, side: side) { x, y in Int(b[y * bytesPerLine + x * 2]) }
            }
        case .nv12?:
            return bytes.withUnsafeBufferPointer { b in
                greyThumbnail(width: width, height: height, side: side) { x, y in Int(b[y * bytesPerLine + x]) }
            }
        case .rgb24?:
            return bytes.withUnsafeBufferPointer { b in
                greyThumbnail(width: width, height: height, side: side) { x, y in
                    let i = y * bytesPerLine + x * 3
                    return (Int(b[i]) &* 77 &+ Int(b[i + 1]) &* 150 &+ Int(b[i + 2]) &* 29) >> 8
                }
            }
        case nil:
            return try ImageDecoder.greyThumbnail(of: bytes, name: "MJPEG frame", side: side)
        }
    }
}

extension FourCC {
    init(_ layout: CameraFrame.Format) {
        switch layout {
        case .yuyv: self = .yuyv
        case .nv12: self = .nv12
        case .rgb24: self = .rgb24
        }
    }

    /// The uncompressed layout the resampler reads, or nil for MJPEG.
    var frameFormat: CameraFrame.Format? {
        switch self {
        case .yuyv: .yuyv
        case .nv12: .nv12
        case .rgb24: .rgb24
        default: nil
        }
    }
}
