/// Why bytes could not be read as a SIP message or a header value could not be parsed, with the
/// response a server answers (400, or 513 for a message over the size limit) and a short reason
/// fit for a reason phrase and a log line ("malformed Via: expected a host").
public struct SIPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The status code a server sends when a request fails this way (responses are dropped).
    public var statusCode: Int
    /// A short explanation, ASCII, fit for a reason phrase.
    public var reason: String

    public init(statusCode: Int = 400, reason: String) {
        self.statusCode = statusCode
        self.reason = reason
    }

    public var description: String { "\(statusCode) \(reason)" }

    /// A header value that does not match its grammar.
    static func malformedHeader(_ header: StaticString, _ detail: String) -> SIPParseError {
        SIPParseError(reason: "malformed \(header): \(detail)")
    }

    static func malformed(_ what: String) -> SIPParseError { SIPParseError(reason: what) }

    static func tooLarge(_ what: String) -> SIPParseError { SIPParseError(statusCode: 513, reason: what) }
}
