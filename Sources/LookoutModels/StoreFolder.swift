import Foundation
import LookoutFiles

/// A folder that a privileged command (`lookout model install`, `lookout head install`) writes
/// into, held open so that no one can swap it or a folder above it for a link while we write.
///
/// It must belong to the caller or root and be writable by its owner only: lookoutd's user owns
/// /var/lib/lookout, so it could otherwise rename `models` away and plant a link where root is
/// about to write. Everything is then done through `path` (`/proc/self/fd/N`), which always
/// names the folder that was opened, wherever it has moved since; staging folders inside it get
/// unpredictable names and are created exclusively.
public final class StoreFolder {
    /// The folder as given (for messages).
    public let url: URL
    private let fd: Int32

    /// Opens `url`, creating it (and its parents, mode 0755) when missing.
    public init(_ url: URL) throws {
        self.url = url
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw StoreError("\(url.path): cannot create (\(FileError.reason(error)))")
        }
        fd = open(url.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let cause = String(cString: strerror(errno))
            var link = stat()
            if lstat(url.path, &link) == 0, link.st_mode & S_IFMT == S_IFLNK {
                throw StoreError("\(url.path): a symbolic link; refusing to write through it (name the folder itself)")
            }
            throw StoreError("\(url.path): cannot open (\(cause))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let cause = String(cString: strerror(errno))
            close(fd)
            throw StoreError("\(url.path): cannot stat (\(cause))")
        }
        let me = geteuid()
        if info.st_uid != me && info.st_uid != 0 {
            close(fd)
            throw StoreError("\(url.path): owned by uid \(info.st_uid), not by \(me == 0 ? "root" : "uid \(me) or root"); "
                             + "refusing to write into it (chown \(me == 0 ? "root:root" : "it") first)")
        }
        if info.st_mode & 0o022 != 0 {
            close(fd)
            throw StoreError("\(url.path): writable by others than its owner (mode \(String(info.st_mode & 0o7777, radix: 8))); "
                             + "refusing to write into it (chmod go-w first)")
        }
    }

    deinit { close(fd) }

    /// The opened folder as a path that cannot be redirected: `/proc/self/fd/N`.
    public var path: URL { URL(fileURLWithPath: "/proc/self/fd/\(fd)", isDirectory: true) }

    /// A new, empty folder inside, created exclusively under an unpredictable name, mode 0700.
    public func makeStaging(prefix: String) throws -> URL {
        let name = ".\(prefix)-\(randomHex())"
        guard mkdirat(fd, name, 0o700) == 0 else {
            throw StoreError("\(url.path): cannot create a staging folder (\(String(cString: strerror(errno))))")
        }
        return path.appendingPathComponent(name, isDirectory: true)
    }
}
