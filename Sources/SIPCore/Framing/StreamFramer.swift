/// Splits a TCP or TLS byte stream into SIP messages (RFC 3261 §18.3) and keep-alives
/// (RFC 5626 §3.5.1).
///
/// - Messages are delimited by Content-Length, which a stream message must carry.
/// - CRLFs before a message are skipped (§7.5); a double CRLF at a message boundary is a ping
///   (a server answers it with one CRLF), a single CRLF is a pong (what a client waits for).
/// - Everything is bounded by `SIPParserLimits`: a head without its empty line within
///   `maxMessageBytes`, or a Content-Length above it, is an error, after which the connection
///   cannot be resynchronised and must be closed.
public struct StreamFramer: Sendable {
    /// One thing read from the stream.
    public enum Frame: Sendable, Equatable {
        case message(SIPMessage)
        /// CRLFCRLF: the peer checks the connection; answer with a pong (CRLF).
        case ping
        /// A lone CRLF: the answer to our ping.
        case pong
    }

    /// Which side of the connection we are: a server expects pings, a client expects pongs.
    public enum Role: Sendable { case server, client }

    public let role: Role
    public let limits: SIPParserLimits
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Where the search for the end of the head resumes, so each byte is scanned once.
    private var scanIndex = 0
    private var failed: SIPParseError?

    public init(role: Role = .server, limits: SIPParserLimits = .default) {
        self.role = role
        self.limits = limits
    }

    /// Bytes held that are not yet a whole frame.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// The bytes held that are not yet a whole frame: after an error, the start of the message
    /// that caused it, so that a server can answer it (513) from its head before closing.
    public var unreadBytes: ArraySlice<UInt8> { buffer[readIndex...] }

    /// Appends bytes read from the connection. Call `next()` until it returns nil after each
    /// append: the buffer then never holds more than one message plus one read. Once the framer
    /// has failed, further bytes are dropped.
    public mutating func append<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        guard failed == nil else { return }
        if readIndex > 0, readIndex >= buffer.count / 2 {
            buffer.removeFirst(readIndex)
            scanIndex -= readIndex
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, nil when more bytes are needed. After an error every call throws
    /// it again: the stream is out of step and the connection must be closed.
    public mutating func next() throws(SIPParseError) -> Frame? {
        if let failed { throw failed }
        do {
            return try nextFrame()
        } catch {
            failed = error
            throw error
        }
    }

    private mutating func nextFrame() throws(SIPParseError) -> Frame? {
        if let keepAlive = takeKeepAlive() { return keepAlive }
        guard readIndex < buffer.count, buffer[readIndex] != 0x0D, buffer[readIndex] != 0x0A else { return nil }
        guard let headEnd = findHeadEnd() else {
            if buffer.count - readIndex > limits.maxMessageBytes {
                throw .tooLarge("no end of headers within \(limits.maxMessageBytes) bytes")
            }
            return nil
        }
        let head = try buffer.withUnsafeBufferPointer { (p) throws(SIPParseError) -> SIPMessageParser.Head in
            try SIPMessageParser.parseHead(UnsafeBufferPointer(rebasing: p[readIndex..<headEnd]), limits: limits)
        }
        guard let length = head.contentLength else { throw .malformed("message on a stream has no Content-Length") }
        let total = head.bodyStart + length
        guard total <= limits.maxMessageBytes else { throw .tooLarge("message larger than \(limits.maxMessageBytes) bytes") }
        guard buffer.count - readIndex >= total else { return nil }
        let bytes = Array(buffer[readIndex..<(readIndex + total)])
        readIndex += total
        scanIndex = readIndex
        return .message(SIPMessage(buffer: bytes, startLine: head.startLine, fields: head.fields,
                                   bodyRange: head.bodyStart..<total))
    }

    /// RFC 5626 §3.5.1 keep-alives at a message boundary. A server reads CRLFCRLF as a ping and
    /// skips any other CRLF (§7.5); a client reads each CRLF as a pong.
    private mutating func takeKeepAlive() -> Frame? {
        while readIndex < buffer.count, buffer[readIndex] == 0x0D || buffer[readIndex] == 0x0A {
            let available = buffer.count - readIndex
            let isCRLF = available >= 2 && buffer[readIndex] == 0x0D && buffer[readIndex + 1] == 0x0A
            switch role {
            case .client:
                if isCRLF {
                    advance(2)
                    return .pong
                }
                if available < 2, buffer[readIndex] == 0x0D { return nil }
                advance(1)
            case .server:
                if available >= 4, buffer[readIndex..<(readIndex + 4)].elementsEqual([0x0D, 0x0A, 0x0D, 0x0A]) {
                    advance(4)
                    return .ping
                }
                // Wait for the rest of a ping that may be split across reads.
                if isCRLF, available < 4, buffer[(readIndex + 2)...].allSatisfy({ $0 == 0x0D }) { return nil }
                if available < 2, buffer[readIndex] == 0x0D { return nil }
                advance(isCRLF ? 2 : 1)
            }
        }
        return nil
    }

    private mutating func advance(_ n: Int) {
        readIndex += n
        scanIndex = max(scanIndex, readIndex)
    }

    /// The index just past the empty line that ends the head, or nil when it has not arrived yet.
    private mutating func findHeadEnd() -> Int? {
        var i = max(scanIndex, readIndex)
        while i < buffer.count {
            if buffer[i] == 0x0A {
                if i + 1 < buffer.count, buffer[i + 1] == 0x0A { return i + 2 }
                if i + 2 < buffer.count, buffer[i + 1] == 0x0D, buffer[i + 2] == 0x0A { return i + 3 }
                if i + 2 >= buffer.count {
                    scanIndex = i
                    return nil
                }
            }
            i += 1
        }
        scanIndex = i
        return nil
    }
}
