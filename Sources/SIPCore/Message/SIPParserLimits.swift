/// Bounds on what the parser and the stream framer accept, so that no input can make them use
/// unbounded memory or time (TIGER_STYLE: a limit on everything). A message over any of them is
/// refused with 513 and a reason naming the limit.
public struct SIPParserLimits: Sendable, Equatable {
    /// The largest message, start line to the end of the body.
    public var maxMessageBytes: Int
    /// The most header fields (lines, not values) one message may carry.
    public var maxHeaderFields: Int
    /// The longest header field, folds included, or start line.
    public var maxLineBytes: Int

    public init(maxMessageBytes: Int = 65_535, maxHeaderFields: Int = 256, maxLineBytes: Int = 8_192) {
        precondition(maxMessageBytes > 0 && maxMessageBytes < Int(Int32.max), "maxMessageBytes out of range")
        precondition(maxHeaderFields > 0 && maxLineBytes > 0, "limits must be positive")
        self.maxMessageBytes = maxMessageBytes
        self.maxHeaderFields = maxHeaderFields
        self.maxLineBytes = maxLineBytes
    }

    public static let `default` = SIPParserLimits()
}
