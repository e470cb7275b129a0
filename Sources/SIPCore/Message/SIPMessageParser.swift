#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The byte parser (RFC 3261 §7, §25): finds the start line, every header field (folds, LWS
/// before the colon, compact names) and the body, and records offsets; it decodes nothing else
/// except Content-Length, which framing needs.
///
/// It runs over an `UnsafeBufferPointer` with no `String`, no regular expression and one
/// allocation: the array of header field offsets. Limits (`SIPParserLimits`) bound every loop.
public enum SIPMessageParser {
    /// What the head of a message (start line and headers) holds, offsets relative to its first byte.
    struct Head {
        var startLine: StartLineIndex
        var fields: [HeaderFieldIndex]
        /// Offset of the first body byte (just after the empty line).
        var bodyStart: Int
        /// The Content-Length value, when the message has one.
        var contentLength: Int?
    }

    /// Parses one message out of a UDP datagram (RFC 3261 §18.3).
    static func parseDatagram(_ datagram: [UInt8], limits: SIPParserLimits) throws(SIPParseError) -> SIPMessage {
        let head: Head = try datagram.withUnsafeBufferPointer { (p) throws(SIPParseError) -> Head in
            try parseHead(p, limits: limits, endOfInputEndsHead: true)
        }
        let bodyEnd: Int
        if let length = head.contentLength {
            guard head.bodyStart + length <= datagram.count else {
                throw .malformed("Content-Length \(length) is larger than the body (\(datagram.count - head.bodyStart) bytes)")
            }
            bodyEnd = head.bodyStart + length
        } else {
            bodyEnd = datagram.count
        }
        guard bodyEnd <= limits.maxMessageBytes else {
            throw .tooLarge("message larger than \(limits.maxMessageBytes) bytes")
        }
        return SIPMessage(buffer: datagram, startLine: head.startLine, fields: head.fields,
                          bodyRange: head.bodyStart..<bodyEnd)
    }

    /// Parses the start line and header fields. Leading CRLFs are skipped (§7.5). Throws when the
    /// head is malformed or over a limit, or when it ends before the empty line — unless
    /// `endOfInputEndsHead`: a datagram whose last header line is its last line has an empty body
    /// (senders that drop the final CRLF exist; on a stream the framer waits for it instead).
    static func parseHead(_ p: UnsafeBufferPointer<UInt8>, limits: SIPParserLimits,
                          endOfInputEndsHead: Bool = false) throws(SIPParseError) -> Head {
        let n = p.count
        var i = 0
        while i < n, p[i] == 0x0D || p[i] == 0x0A { i += 1 }
        guard i < n else { throw .malformed("empty message") }

        let startEnd = try lineEnd(p, from: i, limits: limits)
        let startLine = try parseStartLine(p, start: i, end: startEnd)
        i = next(p, after: startEnd)

        var fields: [HeaderFieldIndex] = []
        fields.reserveCapacity(24)
        var contentLength: Int?
        while true {
            guard i < n else {
                guard endOfInputEndsHead else { throw .malformed("message ends before the empty line after the headers") }
                break
            }
            if p[i] == 0x0D {
                guard i + 1 < n, p[i + 1] == 0x0A else { throw .malformed("bare CR in the header section") }
                i += 2
                break
            }
            if p[i] == 0x0A {
                i += 1
                break
            }
            guard fields.count < limits.maxHeaderFields else {
                throw .tooLarge("more than \(limits.maxHeaderFields) header fields")
            }
            let field = try parseField(p, start: i, limits: limits)
            if field.known == .contentLength {
                let length = try contentLengthValue(p, field)
                if let previous = contentLength, previous != length {
                    throw .malformed("conflicting Content-Length values \(previous) and \(length)")
                }
                contentLength = length
            }
            i = next(p, after: Int(field.lineEnd))
            fields.append(field)
        }
        guard i <= limits.maxMessageBytes else { throw .tooLarge("message larger than \(limits.maxMessageBytes) bytes") }
        return Head(startLine: startLine, fields: fields, bodyStart: i, contentLength: contentLength)
    }

    /// The index just past the line terminator that starts at `end` (CRLF or a bare LF).
    @inline(__always)
    private static func next(_ p: UnsafeBufferPointer<UInt8>, after end: Int) -> Int {
        if end < p.count, p[end] == 0x0D { return end + 2 }
        return end + 1
    }

    /// The end (exclusive, before CR or LF) of the line starting at `start`. Throws when the line
    /// has no terminator, is over the length limit, or holds a CR not followed by LF.
    @inline(__always)
    private static func lineEnd(_ p: UnsafeBufferPointer<UInt8>, from start: Int, limits: SIPParserLimits) throws(SIPParseError) -> Int {
        let base = p.baseAddress!
        let available = p.count - start
        guard let hit = memchr(base + start, 0x0A, available) else {
            if available > limits.maxLineBytes { throw .tooLarge("line longer than \(limits.maxLineBytes) bytes") }
            throw .malformed("message ends in the middle of a line")
        }
        let lf = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base
        var end = lf
        if end > start, p[end - 1] == 0x0D { end -= 1 }
        // A CR anywhere else would end the line for some parsers and not for others.
        if end > start, memchr(base + start, 0x0D, end - start) != nil { throw .malformed("bare CR in a line") }
        guard end - start <= limits.maxLineBytes else { throw .tooLarge("line longer than \(limits.maxLineBytes) bytes") }
        return end
    }

    // MARK: Start line (§7.1, §7.2)

    private static func parseStartLine(_ p: UnsafeBufferPointer<UInt8>, start: Int, end: Int) throws(SIPParseError) -> StartLineIndex {
        if end - start >= 4, p[start] | 0x20 == 0x73, p[start + 1] | 0x20 == 0x69, p[start + 2] | 0x20 == 0x70,
           p[start + 3] == UInt8(ascii: "/") {
            return try parseStatusLine(p, start: start, end: end)
        }
        // Request-Line = Method SP Request-URI SP SIP-Version CRLF
        var i = start
        while i < end, CharacterClass.isToken(p[i]) { i += 1 }
        let methodEnd = i
        guard methodEnd > start else { throw .malformed("malformed request line: no method") }
        guard i < end, p[i] == 0x20 else { throw .malformed("malformed request line: method not followed by one space") }
        i += 1
        let uriStart = i
        while i < end, p[i] > 0x20, p[i] != 0x7F { i += 1 }
        let uriEnd = i
        guard uriEnd > uriStart else { throw .malformed("malformed request line: extra space before the Request-URI") }
        guard i < end, p[i] == 0x20 else { throw .malformed("malformed request line: invalid byte in the Request-URI") }
        guard p[uriStart] != UInt8(ascii: "<") else { throw .malformed("malformed Request-URI: enclosed in <>") }
        i += 1
        let versionStart = i
        let versionEnd = try parseVersion(p, at: i, end: end)
        guard versionEnd == end else {
            throw .malformed("malformed request line: characters after the SIP version")
        }
        let method = SIPMethod.known(UnsafeBufferPointer(rebasing: p[start..<methodEnd]))
            ?? .extension(ByteString(Array(p[start..<methodEnd])))
        return StartLineIndex(lineStart: Int32(start), lineEnd: Int32(end), isRequest: true, method: method,
                              statusCode: 0, textStart: Int32(uriStart), textEnd: Int32(uriEnd),
                              versionStart: Int32(versionStart), versionEnd: Int32(versionEnd))
    }

    /// Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF
    private static func parseStatusLine(_ p: UnsafeBufferPointer<UInt8>, start: Int, end: Int) throws(SIPParseError) -> StartLineIndex {
        let versionEnd = try parseVersion(p, at: start, end: end)
        var i = versionEnd
        guard i < end, p[i] == 0x20 else { throw .malformed("malformed status line: version not followed by one space") }
        i += 1
        let codeStart = i
        var code = 0
        while i < end, CharacterClass.isDigit(p[i]), i - codeStart < 4 {
            code = code * 10 + Int(p[i] - 0x30)
            i += 1
        }
        guard i - codeStart == 3, code >= 100, code <= 699 else {
            throw .malformed("malformed status line: status code is not three digits from 100 to 699")
        }
        var reasonStart = i
        if i < end {
            guard p[i] == 0x20 else { throw .malformed("malformed status line: status code not followed by a space") }
            reasonStart = i + 1
            for j in reasonStart..<end where !CharacterClass.isText(p[j]) {
                throw .malformed("malformed status line: control character in the reason phrase")
            }
        }
        return StartLineIndex(lineStart: Int32(start), lineEnd: Int32(end), isRequest: false, method: nil,
                              statusCode: code, textStart: Int32(reasonStart), textEnd: Int32(end),
                              versionStart: Int32(start), versionEnd: Int32(versionEnd))
    }

    /// SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT; returns its end.
    private static func parseVersion(_ p: UnsafeBufferPointer<UInt8>, at start: Int, end: Int) throws(SIPParseError) -> Int {
        guard end - start >= 7, p[start] | 0x20 == 0x73, p[start + 1] | 0x20 == 0x69, p[start + 2] | 0x20 == 0x70,
              p[start + 3] == UInt8(ascii: "/") else { throw .malformed("malformed SIP version") }
        var i = start + 4
        let majorStart = i
        while i < end, CharacterClass.isDigit(p[i]) { i += 1 }
        guard i > majorStart, i < end, p[i] == UInt8(ascii: ".") else { throw .malformed("malformed SIP version") }
        i += 1
        let minorStart = i
        while i < end, CharacterClass.isDigit(p[i]) { i += 1 }
        guard i > minorStart else { throw .malformed("malformed SIP version") }
        return i
    }

    // MARK: Header fields (§7.3)

    /// message-header = field-name HCOLON field-value CRLF, with folds (CRLF followed by SP/HTAB)
    /// anywhere in the value; HCOLON = *(SP / HTAB) ":" SWS.
    @inline(__always)
    private static func parseField(_ p: UnsafeBufferPointer<UInt8>, start: Int, limits: SIPParserLimits) throws(SIPParseError) -> HeaderFieldIndex {
        let n = p.count
        var i = start
        while i < n, CharacterClass.isToken(p[i]) { i += 1 }
        let nameEnd = i
        guard nameEnd > start else {
            throw .malformed(p[start] == 0x20 || p[start] == 0x09
                ? "header section starts with a continuation line" : "malformed header line: no header name")
        }
        while i < n, p[i] == 0x20 || p[i] == 0x09 { i += 1 }
        guard i < n, p[i] == UInt8(ascii: ":") else {
            throw .malformed("malformed header line: no colon after \(String(decoding: UnsafeBufferPointer(rebasing: p[start..<nameEnd]), as: UTF8.self))")
        }
        i += 1
        // The value runs to the end of the line and every following line that starts with SP/HTAB.
        var end = try lineEnd(p, from: i, limits: limits)
        while true {
            let after = next(p, after: end)
            guard after < n, p[after] == 0x20 || p[after] == 0x09 else { break }
            end = try lineEnd(p, from: after, limits: limits)
            guard end - start <= limits.maxLineBytes else {
                throw .tooLarge("header field longer than \(limits.maxLineBytes) bytes")
            }
        }
        var valueStart = i
        while valueStart < end, CharacterClass.isLinearWhitespace(p[valueStart]) { valueStart += 1 }
        var valueEnd = end
        while valueEnd > valueStart, CharacterClass.isLinearWhitespace(p[valueEnd - 1]) { valueEnd -= 1 }
        let known = KnownHeader.lookup(UnsafeBufferPointer(rebasing: p[start..<nameEnd]))
        return HeaderFieldIndex(known: known, lineStart: Int32(start), nameEnd: Int32(nameEnd),
                                valueStart: Int32(valueStart), valueEnd: Int32(valueEnd), lineEnd: Int32(end))
    }

    /// Content-Length = 1*DIGIT; a negative, empty or non-numeric value is a framing error.
    private static func contentLengthValue(_ p: UnsafeBufferPointer<UInt8>, _ f: HeaderFieldIndex) throws(SIPParseError) -> Int {
        var value = 0
        var i = Int(f.valueStart)
        let end = Int(f.valueEnd)
        guard i < end else { throw .malformed("malformed Content-Length: empty") }
        while i < end {
            let c = p[i]
            guard CharacterClass.isDigit(c) else { throw .malformed("malformed Content-Length: not a non-negative number") }
            value = value * 10 + Int(c - 0x30)
            guard value <= Int(Int32.max) else { throw .tooLarge("Content-Length too large") }
            i += 1
        }
        return value
    }
}
