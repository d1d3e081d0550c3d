import Foundation
import LookoutFiles
import LookoutDaemon

/// Secrets the bridges read from a credentials file, never from argv or their settings: a name is
/// looked up in $CREDENTIALS_DIRECTORY (systemd's LoadCredential=), a path is read as is.
public enum Credentials {
    /// The file's path and text; `what` names the secret in errors ("the broker credentials").
    public static func read(_ credential: String, what: String,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (path: String, text: String) {
        let path: String
        if credential.hasPrefix("/") {
            path = credential
        } else if let folder = environment["CREDENTIALS_DIRECTORY"] {
            path = folder + "/" + credential
        } else {
            throw ConfigError("credentials: \(credential) is a credential name but CREDENTIALS_DIRECTORY is not set (LoadCredential= in the unit)")
        }
        do { return (path, try RegularFile.text(path, maxBytes: 1 << 20)) } catch let error as FileError {
            throw ConfigError("\(path): cannot read \(what) (\(error.cause))")
        }
    }
}
