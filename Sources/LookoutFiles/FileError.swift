import Foundation

/// A file that cannot be read or written: one line naming the file and the cause.
public struct FileError: Error, CustomStringConvertible {
    public let description: String
    /// What went wrong, without the name.
    public let cause: String

    public init(_ name: String, _ cause: String) { (description, self.cause) = ("\(name): \(cause)", cause) }

    /// The cause of a Foundation I/O error in a few words (its POSIX reason when it has one).
    public static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
           let message = strerror(Int32(underlying.code)) {
            return String(cString: message)
        }
        return ns.localizedFailureReason ?? ns.localizedDescription
    }
}

/// strerror(errno), as text.
func systemError() -> String { String(cString: strerror(errno)) }
