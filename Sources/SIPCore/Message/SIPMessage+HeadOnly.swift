/// Reading the head of a message whose whole could not be accepted (RFC 3261 §8.2, §18.3): a
/// body shorter than its Content-Length, a datagram over the size limit. A server still answers
/// such a request (400, 513) when its head names where the response goes.
extension SIPMessage {
    /// Parses the start line and header fields of `bytes` with `limits` and drops the body: the
    /// message has an empty body and no Content-Length check is made. For error responses only.
    public init(parsingHeadOf bytes: [UInt8], limits: SIPParserLimits = .default) throws(SIPParseError) {
        let head = try bytes.withUnsafeBufferPointer { (p) throws(SIPParseError) -> SIPMessageParser.Head in
            try SIPMessageParser.parseHead(p, limits: limits, endOfInputEndsHead: true)
        }
        let bodyStart = min(head.bodyStart, bytes.count)
        self.init(buffer: bytes, startLine: head.startLine, fields: head.fields, bodyRange: bodyStart..<bodyStart)
    }
}
