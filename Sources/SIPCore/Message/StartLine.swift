/// Where the start line sits in the buffer and what it says (RFC 3261 §7.1, §7.2).
///
/// For a request: `method`, the Request-URI's range and the version's range.
/// For a response: the version's range, `statusCode` and the reason phrase's range.
struct StartLineIndex: Sendable, Equatable {
    var lineStart: Int32
    var lineEnd: Int32
    var isRequest: Bool
    var method: SIPMethod?
    var statusCode: Int
    /// Request: the Request-URI. Response: the reason phrase.
    var textStart: Int32
    var textEnd: Int32
    var versionStart: Int32
    var versionEnd: Int32
}
