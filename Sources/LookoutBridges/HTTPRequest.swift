import Foundation

/// An HTTP/1.1 request head, parsed from bytes a client sent (untrusted): bounded in size and in
/// header count, and only what the live view needs (method, path, query, headers; no body).
public struct HTTPRequest: Equatable {
    public let method: String
    public let path: String
    public let query: [String: String]
    /// Header names in lower case; a repeated header keeps its first value.
    public let headers: [String: String]

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// Limits that keep a hostile client from making the server hold much.
    public static let maxHeadBytes = 8192
    public static let maxHeaders = 64

    /// Why a request head was refused, as the status to answer.
    public struct Refusal: Error, Equatable {
        public let status: Int
        public let reason: String
    }

    /// Where the head ends (just past the blank line), if it has been received whole.
    public static func headEnd(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 3..<bytes.count where bytes[i] == 10 && bytes[i - 1] == 13 && bytes[i - 2] == 10 && bytes[i - 3] == 13 {
            return i + 1
        }
        return nil
    }

    /// Parses a whole head (up to and including the blank line).
    public static func parse(_ head: [UInt8]) throws -> HTTPRequest {
        guard head.count <= maxHeadBytes else { throw Refusal(status: 431, reason: "request head larger than \(maxHeadBytes) bytes") }
        guard let text = String(bytes: head, encoding: .utf8) else { throw Refusal(status: 400, reason: "request head is not UTF-8") }
        var lines = text.components(separatedBy: "\r\n")
        while lines.last == "" { lines.removeLast() }
        guard let requestLine = lines.first else { throw Refusal(status: 400, reason: "empty request") }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2] == "HTTP/1.1" || parts[2] == "HTTP/1.0" else {
            throw Refusal(status: 400, reason: "malformed request line")
        }
        guard lines.count - 1 <= maxHeaders else { throw Refusal(status: 431, reason: "more than \(maxHeaders) headers") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex,
                  !line[..<colon].contains(where: { $0 == " " || $0 == "\t" }) else {
                throw Refusal(status: 400, reason: "malformed header line")
            }
            let name = line[..<colon].lowercased()
            if headers[name] == nil { headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        let target = String(parts[1])
        guard target.hasPrefix("/") else { throw Refusal(status: 400, reason: "request target is not a path") }
        let pieces = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        guard let path = String(pieces[0]).removingPercentEncoding else { throw Refusal(status: 400, reason: "malformed path") }
        var query: [String: String] = [:]
        if pieces.count == 2 {
            for pair in pieces[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let key = String(kv[0]).removingPercentEncoding,
                      let value = (kv.count == 2 ? String(kv[1]) : "").replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                    throw Refusal(status: 400, reason: "malformed query")
                }
                if query[key] == nil { query[key] = value }
            }
        }
        return HTTPRequest(method: String(parts[0]), path: path, query: query, headers: headers)
    }
}
