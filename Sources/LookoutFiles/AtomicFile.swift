import Foundation

/// Writing files so that nothing is lost: a reader sees the old file or the new one, never half of
/// one, and a file the user made is never overwritten by accident.
public enum AtomicFile {
    /// Whole-file writes that never leave a half-written file: temporary file, fsync, rename, fsync folder.
    /// The temporary file has an unpredictable name and is created exclusively, never through a link
    /// (O_EXCL | O_NOFOLLOW): someone who may write the folder cannot make us write elsewhere.
    public static func write(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(randomHex())")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(temporary.path, "cannot create (\(systemError()))") }
        var failure: String?
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = systemError()
                    return
                }
                offset += written
            }
            if fsync(fd) != 0 { failure = systemError() }
        }
        close(fd)
        if let failure {
            unlink(temporary.path)
            throw FileError(url.path, "cannot write (\(failure))")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = systemError()
            unlink(temporary.path)
            throw FileError(url.path, "cannot replace (\(reason))")
        }
        syncDirectory(url.deletingLastPathComponent())
    }

    /// Makes a rename durable: the new directory entry reaches the disk.
    public static func syncDirectory(_ url: URL) {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    /// Creates `name` inside `folder` exclusively (never through a link, never over a file) and
    /// writes `data` to it.
    public static func create(_ data: Data, in folder: URL, name: String, mode: mode_t = 0o644) throws {
        let file = folder.appendingPathComponent(name)
        let out = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard out >= 0 else { throw FileError(name, "cannot create (\(systemError()))") }
        let handle = FileHandle(fileDescriptor: out, closeOnDealloc: true)
        do { try handle.write(contentsOf: data); try handle.synchronize() } catch {
            throw FileError(name, "cannot write (\(FileError.reason(error)))")
        }
    }

    /// Writes `data` to a temporary file in `folder`, then links it in as BASE.EXT, or BASE-2.EXT, … :
    /// link(2) never replaces a file, so neither an earlier file nor one saved at the same moment
    /// by another process is overwritten. Where hard links are not supported (FAT), rename(2) after
    /// a check for the name.
    public static func createNew(_ data: Data, in folder: URL, base: String, extension ext: String) throws -> URL {
        let temporary = folder.appendingPathComponent(".\(base).tmp-\(getpid())")
        try write(data, to: temporary)
        defer { unlink(temporary.path) }
        for n in 1...10_000 {
            let file = folder.appendingPathComponent(n == 1 ? "\(base).\(ext)" : "\(base)-\(n).\(ext)")
            if link(temporary.path, file.path) == 0 { return file }
            switch errno {
            case EEXIST: continue
            case EPERM, EOPNOTSUPP, ENOSYS:
                if FileManager.default.fileExists(atPath: file.path) { continue }
                guard rename(temporary.path, file.path) == 0 else { break }
                return file
            default: break
            }
            throw FileError(file.path, "cannot save (\(systemError()))")
        }
        throw FileError(folder.path, "too many files named \(base)-N.\(ext)")
    }
}

/// 128 random bits as hex: names no one can guess ahead.
public func randomHex() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<2).map { _ in String(generator.next() as UInt64, radix: 16).leftPadded(to: 16) }.joined()
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
