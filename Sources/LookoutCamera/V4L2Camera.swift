import CV4L2
import Foundation
import LookoutImaging

/// Why a camera is not delivering, in the terms the daemon acts on (retry, wait, give up a frame).
public struct CameraError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Equatable, Sendable { case missing, busy, unplugged, stalled, unsupported, badFrame, other }
    public let kind: Kind
    public let description: String

    init(_ kind: Kind, _ device: String, _ cause: String) {
        self.kind = kind
        description = "\(device): \(cause)"
    }

    static func from(errno code: Int32, _ device: String, _ what: String) -> CameraError {
        let cause = "\(what): \(String(cString: strerror(code)))"
        switch code {
        case ENOENT: return CameraError(.missing, device, cause)
        case EBUSY: return CameraError(.busy, device, cause)
        case ENODEV, EIO, ENXIO: return CameraError(.unplugged, device, cause)
        default: return CameraError(.other, device, cause)
        }
    }
}

/// A pixel format as V4L2 names it (a fourcc).
public struct FourCC: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public var description: String {
        String(decoding: (0..<4).map { UInt8(truncatingIfNeeded: rawValue >> (8 * $0)) }, as: UTF8.self)
            .trimmingCharacters(in: .whitespaces)
    }
    static let yuyv = FourCC(UInt32(CV4L2_PIX_FMT_YUYV)), nv12 = FourCC(UInt32(CV4L2_PIX_FMT_NV12))
    static let rgb24 = FourCC(UInt32(CV4L2_PIX_FMT_RGB24)), mjpeg = FourCC(UInt32(CV4L2_PIX_FMT_MJPEG))

    /// Formats converted natively, most preferred first.
    static let preferred: [FourCC] = [.yuyv, .nv12, .rgb24, .mjpeg]
}

/// A V4L2 capture device streaming through mmap buffers (libv4l2, which converts formats the
/// pipeline does not read natively).
public final class V4L2Camera {
    public let path: String
    public let width: Int
    public let height: Int
    public let format: FourCC
    public let bytesPerLine: Int
    private let fd: Int32
    private let buffers: [(start: UnsafeMutableRawPointer, length: Int)]

    /// Opens `path`, negotiates about width×height at `fps`, and starts streaming.
    public init(path: String, width: Int, height: Int, fps: Int, bufferCount: Int = 4) throws {
        self.path = path
        let fd = cv4l2_open(path)
        guard fd >= 0 else { throw CameraError.from(errno: -fd, path, "cannot open") }
        var mapped: [(start: UnsafeMutableRawPointer, length: Int)] = []
        var chosen = v4l2_format()
        do {
            var cap = v4l2_capability()
            try Self.check(cv4l2_querycap(fd, &cap), path, "not a V4L2 device")
            let caps = cap.device_caps != 0 ? cap.device_caps : cap.capabilities
            guard caps & UInt32(V4L2_CAP_VIDEO_CAPTURE) != 0, caps & UInt32(V4L2_CAP_STREAMING) != 0 else {
                throw CameraError(.unsupported, path, "not a streaming video capture device")
            }
            let wanted = try Self.choose(from: Self.formats(fd), path: path)
            try Self.check(cv4l2_set_format(fd, UInt32(width), UInt32(height), wanted.rawValue, &chosen), path, "cannot set the format")
            guard FourCC.preferred.contains(FourCC(chosen.fmt.pix.pixelformat)) else {
                throw CameraError(.unsupported, path, "driver chose \(FourCC(chosen.fmt.pix.pixelformat)), which Lookout does not read")
            }
            _ = cv4l2_set_fps(fd, UInt32(max(fps, 1)))  // not every driver can; the stream still works
            let granted = cv4l2_request_buffers(fd, UInt32(bufferCount))
            guard granted > 0 else { throw CameraError.from(errno: -granted, path, "cannot get capture buffers") }
            for index in 0..<UInt32(granted) {
                var length = 0
                guard let start = cv4l2_map(fd, index, &length) else { throw CameraError.from(errno: errno, path, "cannot map a buffer") }
                mapped.append((start, length))
                try Self.check(cv4l2_queue(fd, index), path, "cannot queue a buffer")
            }
            try Self.check(cv4l2_stream(fd, 1), path, "cannot start streaming")
        } catch {
            for buffer in mapped { _ = cv4l2_unmap(buffer.start, buffer.length) }
            _ = cv4l2_close(fd)
            throw error
        }
        self.fd = fd
        buffers = mapped
        format = FourCC(chosen.fmt.pix.pixelformat)
        self.width = Int(chosen.fmt.pix.width)
        self.height = Int(chosen.fmt.pix.height)
        bytesPerLine = Int(chosen.fmt.pix.bytesperline)
    }

    deinit {
        _ = cv4l2_stream(fd, 0)
        for buffer in buffers { _ = cv4l2_unmap(buffer.start, buffer.length) }
        _ = cv4l2_close(fd)
    }

    /// The format to ask for: one the device produces itself and Lookout reads natively (in the order
    /// of `FourCC.preferred`), else RGB24 as libv4l2 converts it from whatever the device has.
    static func choose(from offered: [OfferedFormat], path: String) throws -> FourCC {
        if let native = FourCC.preferred.first(where: { f in offered.contains { $0.format == f && !$0.emulated } }) {
            return native
        }
        guard offered.contains(where: { $0.format == .rgb24 }) else {
            let names = offered.isEmpty ? "no formats" : "only " + offered.map(\.format.description).joined(separator: ", ")
            throw CameraError(.unsupported, path, "offers \(names), and libv4l2 cannot convert them; Lookout reads YUYV, NV12, RGB24 or MJPEG")
        }
        return .rgb24
    }

    static func check(_ status: Int32, _ path: String, _ what: String) throws {
        if status < 0 { throw CameraError.from(errno: -status, path, what) }
    }

    /// Waits up to `timeout` seconds for the next frame and hands it to `body` while its buffer is
    /// held; the buffer goes back to the driver afterwards, whatever `body` does.
    public func next<T>(timeout: Double, _ body: (_ bytes: UnsafeRawBufferPointer, _ format: FourCC) throws -> T) throws -> T {
        let ready = cv4l2_wait(fd, Int32(timeout * 1000))
        if ready == 0 { throw CameraError(.stalled, path, "no frame for \(timeout) s") }
        if ready < 0 { throw CameraError.from(errno: -ready, path, "waiting for a frame") }
        var index: UInt32 = 0, used: UInt32 = 0, flags: UInt32 = 0
        var stamp = timeval()
        let status = cv4l2_dequeue(fd, &index, &used, &stamp, &flags)
        if status == -EAGAIN { throw CameraError(.stalled, path, "no frame ready") }
        try Self.check(status, path, "cannot take a frame")
        defer { _ = cv4l2_queue(fd, index) }
        guard Int(index) < buffers.count, Int(used) <= buffers[Int(index)].length,
              flags & UInt32(V4L2_BUF_FLAG_ERROR) == 0 else {
            throw CameraError(.badFrame, path, "driver marked frame as corrupt")
        }
        return try body(UnsafeRawBufferPointer(start: buffers[Int(index)].start, count: Int(used)), format)
    }

    /// The next frame, copied out of the driver's buffer; a short or corrupt one throws `.badFrame`.
    public func nextFrame(timeout: Double) throws -> RawFrame {
        try next(timeout: timeout) { bytes, format in
            do {
                return try RawFrame(bytes, format: format, width: width, height: height, bytesPerLine: bytesPerLine)
            } catch {
                throw CameraError(.badFrame, path, "\(error)")
            }
        }
    }

    // MARK: - discovery

    public struct OfferedFormat: Sendable {
        public let format: FourCC
        public let description: String
        public let emulated: Bool
        /// Discrete sizes with their frame rates; empty when the device takes any size in a range.
        public var sizes: [(width: Int, height: Int, fps: [Double])] = []
    }

    static func formats(_ fd: Int32) -> [OfferedFormat] {
        var out: [OfferedFormat] = []
        var desc = v4l2_fmtdesc()
        var index: UInt32 = 0
        while cv4l2_enum_format(fd, index, &desc) == 0, index < 256 {
            let name = withUnsafeBytes(of: desc.description) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            out.append(OfferedFormat(format: FourCC(desc.pixelformat), description: name,
                                     emulated: desc.flags & UInt32(V4L2_FMT_FLAG_EMULATED) != 0))
            index += 1
        }
        return out
    }

    public struct DeviceInfo: Sendable {
        public let path: String
        public let card: String
        public let driver: String
        public let formats: [OfferedFormat]
    }

    /// Every capture device under /dev (video*), with formats, sizes and frame rates.
    public static func list() -> [DeviceInfo] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []).filter { $0.hasPrefix("video") }
        return names.sorted { $0.count != $1.count ? $0.count < $1.count : $0 < $1 }.compactMap { name in
            let path = "/dev/\(name)"
            let fd = cv4l2_open(path)
            guard fd >= 0 else { return nil }
            defer { _ = cv4l2_close(fd) }
            var cap = v4l2_capability()
            guard cv4l2_querycap(fd, &cap) == 0 else { return nil }
            let caps = cap.device_caps != 0 ? cap.device_caps : cap.capabilities
            guard caps & UInt32(V4L2_CAP_VIDEO_CAPTURE) != 0 else { return nil }
            func text<T>(_ value: T) -> String { withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) } }
            var formats = Self.formats(fd)
            for i in formats.indices {
                var size = v4l2_frmsizeenum()
                var s: UInt32 = 0
                while cv4l2_enum_framesize(fd, formats[i].format.rawValue, s, &size) == 0, size.type == 1 /* DISCRETE */, s < 64 {
                    let w = size.discrete.width, h = size.discrete.height
                    var interval = v4l2_frmivalenum()
                    var rates: [Double] = []
                    var k: UInt32 = 0
                    while cv4l2_enum_frameinterval(fd, formats[i].format.rawValue, w, h, k, &interval) == 0, interval.type == 1, k < 64 {
                        if interval.discrete.numerator > 0 { rates.append(Double(interval.discrete.denominator) / Double(interval.discrete.numerator)) }
                        k += 1
                    }
                    formats[i].sizes.append((Int(w), Int(h), rates))
                    s += 1
                }
            }
            return DeviceInfo(path: path, card: text(cap.card), driver: text(cap.driver), formats: formats)
        }
    }
}
