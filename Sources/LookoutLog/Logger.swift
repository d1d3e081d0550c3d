import Foundation

/// One diagnostic line and where it came from.
public struct LogEntry: Sendable {
    public var level: Logger.Level
    public var label: String
    public var message: String
    /// Extra fields: journald writes them as LOOKOUT_* fields; `message_id` becomes MESSAGE_ID.
    public var metadata: [String: String]
    public var file: String, function: String, line: UInt
}

/// Where diagnostics go: standard error, journald, or a test's buffer.
public protocol LogHandler: Sendable {
    func log(_ entry: LogEntry)
}

/// lookoutd's diagnostics (not its events, which have a schema of their own). The handler is
/// injected, so tests read exactly what a run would have logged.
public struct Logger: Sendable {
    /// syslog's levels, lowest first.
    public enum Level: String, Comparable, Sendable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical

        /// The syslog priority journald stores (PRIORITY=).
        public var syslogPriority: Int {
            switch self {
            case .trace, .debug: 7
            case .info: 6
            case .notice: 5
            case .warning: 4
            case .error: 3
            case .critical: 2
            }
        }

        public static func < (a: Level, b: Level) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    public let label: String
    public var minimumLevel: Level
    let handler: any LogHandler

    public init(label: String, handler: any LogHandler = StandardErrorLogHandler(), minimumLevel: Level = .info) {
        (self.label, self.handler, self.minimumLevel) = (label, handler, minimumLevel)
    }

    public func log(level: Level, _ message: @autoclosure () -> String, metadata: [String: String] = [:],
                    file: String = #fileID, function: String = #function, line: UInt = #line) {
        guard level >= minimumLevel else { return }
        handler.log(LogEntry(level: level, label: label, message: message(), metadata: metadata,
                             file: file, function: function, line: line))
    }

    public func debug(_ message: @autoclosure () -> String, metadata: [String: String] = [:],
                      file: String = #fileID, function: String = #function, line: UInt = #line) {
        log(level: .debug, message(), metadata: metadata, file: file, function: function, line: line)
    }

    public func info(_ message: @autoclosure () -> String, metadata: [String: String] = [:],
                     file: String = #fileID, function: String = #function, line: UInt = #line) {
        log(level: .info, message(), metadata: metadata, file: file, function: function, line: line)
    }

    public func notice(_ message: @autoclosure () -> String, metadata: [String: String] = [:],
                       file: String = #fileID, function: String = #function, line: UInt = #line) {
        log(level: .notice, message(), metadata: metadata, file: file, function: function, line: line)
    }

    public func warning(_ message: @autoclosure () -> String, metadata: [String: String] = [:],
                        file: String = #fileID, function: String = #function, line: UInt = #line) {
        log(level: .warning, message(), metadata: metadata, file: file, function: function, line: line)
    }

    public func error(_ message: @autoclosure () -> String, metadata: [String: String] = [:],
                      file: String = #fileID, function: String = #function, line: UInt = #line) {
        log(level: .error, message(), metadata: metadata, file: file, function: function, line: line)
    }
}

/// One line per entry on standard error: time, level, label and message. The metadata are fields
/// for journald (MESSAGE_ID, LOOKOUT_*); the message already says everything a reader needs.
public struct StandardErrorLogHandler: LogHandler {
    public init() {}

    public func log(_ entry: LogEntry) {
        let line = "\(Self.timestamp()) \(entry.level.rawValue) \(entry.label): \(entry.message)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    private static func timestamp() -> String {
        var now = time(nil), parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
