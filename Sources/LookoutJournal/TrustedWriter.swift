import Foundation

/// Which journal entries lookoutd itself wrote. Anyone may write `SYSLOG_IDENTIFIER=lookoutd` and
/// `LOOKOUT_*` fields (`logger`, `systemd-cat`, `sd_journal_send`), so those prove nothing; only the
/// fields journald fills in from the kernel's view of the sender do (a client cannot set a field
/// starting with `_`): its unit, its user and its executable.
///
/// An entry is lookoutd's when it came from a lookoutd unit (`lookoutd.service` or
/// `lookoutd@NAME.service`), as the `lookout` user or root, from an installed lookoutd; or, for
/// foreground runs, from one of `foreground` (an executable the caller names), as root, `lookout`
/// or the caller.
public struct TrustedWriter: Sendable {
    /// Real paths of the lookoutd binaries the units run.
    public var installed: Set<String>
    /// Real paths of lookoutd binaries whose entries count from any unit or none (foreground runs).
    public var foreground: Set<String>
    /// User ids a unit's lookoutd may run as: the `lookout` user's and root's.
    public var serviceUIDs: Set<String>
    /// User ids a foreground lookoutd may run as: also the caller's.
    public var foregroundUIDs: Set<String>

    public init(installed: Set<String>, foreground: Set<String>, serviceUIDs: Set<String>, foregroundUIDs: Set<String>) {
        (self.installed, self.foreground) = (Set(installed.map(Self.realPath)), Set(foreground.map(Self.realPath)))
        (self.serviceUIDs, self.foregroundUIDs) = (serviceUIDs, foregroundUIDs)
    }

    /// The lookoutd installed beside the running program (`make install` puts both in PREFIX/bin)
    /// and `/usr/bin/lookoutd`; the `lookout` user from the passwd database; `foreground` as given.
    public static func standard(foreground: [String] = []) -> TrustedWriter {
        var installed: Set<String> = ["/usr/bin/lookoutd"]
        if let me = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            installed.insert((me as NSString).deletingLastPathComponent + "/lookoutd")
        }
        var service: Set<String> = ["0"]
        if let user = getpwnam("lookout") { service.insert(String(user.pointee.pw_uid)) }
        return TrustedWriter(installed: installed, foreground: Set(foreground), serviceUIDs: service,
                             foregroundUIDs: service.union([String(getuid())]))
    }

    public func admits(_ fields: [String: String]) -> Bool {
        guard let exe = fields["_EXE"].map(Self.withoutDeletedMark), let uid = fields["_UID"] else { return false }
        if installed.contains(exe), serviceUIDs.contains(uid), let unit = fields["_SYSTEMD_UNIT"], Self.isLookoutdUnit(unit) {
            return true
        }
        return foreground.contains(exe) && foregroundUIDs.contains(uid)
    }

    static func isLookoutdUnit(_ unit: String) -> Bool {
        unit == "lookoutd.service"
            || (unit.hasPrefix("lookoutd@") && unit.hasSuffix(".service") && unit.count > "lookoutd@.service".count)
    }

    /// journald records a running program whose file was replaced (an upgrade) as "PATH (deleted)".
    static func withoutDeletedMark(_ exe: String) -> String {
        exe.hasSuffix(" (deleted)") ? String(exe.dropLast(" (deleted)".count)) : exe
    }

    /// journald records `_EXE` with links resolved (/proc/PID/exe); a path that does not exist here
    /// (a journal copied from another board) is kept as given.
    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
