import Foundation

/// The live view's access token, checked in constant time (the time taken says nothing about how
/// much of a guess was right). Browsers cannot put a header on an <img> or an EventSource, so the
/// token is accepted from `Authorization: Bearer`, the `token` query parameter (the link one opens),
/// or the `lookout_token` cookie the page sets from that link.
public struct AccessToken: Equatable {
    let secret: [UInt8]

    public init(_ secret: String) { self.secret = Array(secret.utf8) }

    public func matches(_ candidate: String) -> Bool {
        let guess = Array(candidate.utf8)
        var difference = UInt8(truncatingIfNeeded: guess.count ^ secret.count)
        for i in 0..<secret.count { difference |= secret[i] ^ (i < guess.count ? guess[i] : 0) }
        return difference == 0
    }

    public static let cookieName = "lookout_token"

    /// Whether the request carries the token in any of the accepted places.
    public func admits(_ request: HTTPRequest) -> Bool {
        var candidates: [String] = []
        if let authorization = request.header("authorization"), authorization.lowercased().hasPrefix("bearer ") {
            candidates.append(String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces))
        }
        if let query = request.query["token"] { candidates.append(query) }
        for cookie in (request.header("cookie") ?? "").split(separator: ";") {
            let pair = cookie.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0] == Self.cookieName { candidates.append(pair[1]) }
        }
        // Every candidate is compared, so which one matched is not told by the time either.
        return candidates.map(matches).contains(true)
    }
}
