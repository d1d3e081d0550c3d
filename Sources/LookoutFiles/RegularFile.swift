import CLinux
import Foundation

/// Reading a file that someone else made (a picture, a config, a head bundle): only a regular file,
/// only up to a size limit.
public enum RegularFile {
    /// A regular file's bytes, or an error naming the file and the system's reason (errno). Anything
    /// else at the path (a FIFO, a device) is refused without reading, so it can never block.
    public static func read(_ path: String, maxBytes: Int = 256 << 20) throws -> [UInt8] {
        var kind: UnsafePointer<CChar>?
        let fd = clinux_open_regular(path, &kind)
        guard fd >= 0 else {
            throw FileError(path, fd == -2 ? "\(kind.map { String(cString: $0) } ?? "not a file"), not a regular file" : systemError())
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileError(path, systemError()) }
        guard Int(info.st_size) <= maxBytes else { throw FileError(path, "file of \(info.st_size) bytes is too large") }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw FileError(path, n == 0 ? "file shrank while being read" : systemError()) }
            offset += n
        }
        return bytes
    }

    /// A regular file's text (UTF-8), read as `read` does; the error names the file and the cause.
    public static func text(_ path: String, maxBytes: Int = 16 << 20) throws -> String {
        guard let text = String(bytes: try read(path, maxBytes: maxBytes), encoding: .utf8) else {
            throw FileError(path, "not UTF-8 text")
        }
        return text
    }
}
