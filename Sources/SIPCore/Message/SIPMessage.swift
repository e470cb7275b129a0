/// A SIP request or response (RFC 3261 §7): the start line, header fields in arrival order and
/// the body, all held as offsets into one byte buffer.
///
/// Parsing indexes the message (start line, where each header line, name and value are) and
/// reads nothing else; typed header values (`topVia()`, `from()`, `cseq()`…) are parsed when
/// asked. Header lines a server does not edit are written back byte for byte, so unknown and
/// untouched headers go out exactly as they came in. Edits append the new bytes to the buffer
/// and repoint the index (`SIPMessage+Editing.swift`).
public struct SIPMessage: Sendable {
    /// The message bytes, plus any bytes appended by edits.
    var buffer: [UInt8]
    var startLine: StartLineIndex
    var fields: [HeaderFieldIndex]
    var bodyRange: Range<Int>

    init(buffer: [UInt8], startLine: StartLineIndex, fields: [HeaderFieldIndex], bodyRange: Range<Int>) {
        self.buffer = buffer
        self.startLine = startLine
        self.fields = fields
        self.bodyRange = bodyRange
    }

    /// Parses one message from a datagram (RFC 3261 §18.3): bytes after the body that the
    /// Content-Length announces are discarded, and without Content-Length the body runs to the end.
    public init(parsing datagram: [UInt8], limits: SIPParserLimits = .default) throws(SIPParseError) {
        self = try SIPMessageParser.parseDatagram(datagram, limits: limits)
    }

    public init(parsing text: String, limits: SIPParserLimits = .default) throws(SIPParseError) {
        try self.init(parsing: Array(text.utf8), limits: limits)
    }

    // MARK: Start line

    public var isRequest: Bool { startLine.isRequest }
    public var isResponse: Bool { !startLine.isRequest }

    /// The request method; nil for a response.
    public var method: SIPMethod? { startLine.method }

    /// The Request-URI as written; nil for a response. `requestURI()` parses it.
    public var requestURIText: ByteString? {
        isRequest ? slice(startLine.textStart, startLine.textEnd) : nil
    }

    /// The status code; nil for a request.
    public var statusCode: Int? { isRequest ? nil : startLine.statusCode }

    /// The reason phrase as written (possibly empty or UTF-8); nil for a request.
    public var reasonPhrase: ByteString? { isRequest ? nil : slice(startLine.textStart, startLine.textEnd) }

    /// The SIP-Version of the start line as written, e.g. `SIP/2.0`.
    public var version: ByteString { slice(startLine.versionStart, startLine.versionEnd) }

    /// Whether the start line says SIP/2.0, the only version a server processes (else 505).
    public var isVersion2: Bool {
        let v = version
        return v.count == 7 && v.equalsIgnoringASCIICase("SIP/2.0")
    }

    /// The start line as written, without its CRLF.
    public var startLineText: ByteString { slice(startLine.lineStart, startLine.lineEnd) }

    // MARK: Header fields

    /// Every header field in order, as written.
    public var headerFields: [SIPHeaderField] { fields.map(field) }

    public var headerFieldCount: Int { fields.count }

    /// The raw value of the first field of `header`, or nil when absent.
    public func firstValue(_ header: KnownHeader) -> ByteString? {
        for f in fields where f.known == header { return value(of: f) }
        return nil
    }

    /// The raw values of every field of `header`, one per header line, in order.
    public func values(_ header: KnownHeader) -> [ByteString] {
        fields.lazy.filter { $0.known == header }.map(value(of:))
    }

    /// The raw values of every field named `name` (long or compact form, any case), in order.
    public func values(named name: String) -> [ByteString] {
        if let known = KnownHeader.lookup(name) { return values(known) }
        let wanted = ByteString(name)
        return fields.filter { $0.known == nil && self.name(of: $0).equalsIgnoringASCIICase(wanted) }.map(value(of:))
    }

    /// How many header lines carry `header`.
    public func count(of header: KnownHeader) -> Int { fields.reduce(0) { $0 + ($1.known == header ? 1 : 0) } }

    public func contains(_ header: KnownHeader) -> Bool { fields.contains { $0.known == header } }

    // MARK: Body

    /// The body bytes (possibly empty, possibly binary).
    public var body: ByteString { ByteString(buffer[bodyRange]) }

    // MARK: Internals

    @inline(__always)
    func slice(_ start: Int32, _ end: Int32) -> ByteString { ByteString(buffer[Int(start)..<Int(end)]) }

    func value(of f: HeaderFieldIndex) -> ByteString { slice(f.valueStart, f.valueEnd) }
    func name(of f: HeaderFieldIndex) -> ByteString { slice(f.lineStart, f.nameEnd) }

    func field(_ f: HeaderFieldIndex) -> SIPHeaderField {
        SIPHeaderField(known: f.known, name: name(of: f), value: value(of: f), line: slice(f.lineStart, f.lineEnd))
    }
}

extension SIPMessage: Equatable {
    /// Two messages are equal when they have the same start line, the same header lines in the same
    /// order and the same body, byte for byte (where their buffers hold the bytes does not matter).
    public static func == (lhs: SIPMessage, rhs: SIPMessage) -> Bool {
        lhs.startLineText == rhs.startLineText && lhs.body == rhs.body
            && lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { a, b in
                a.known == b.known && lhs.slice(a.lineStart, a.lineEnd) == rhs.slice(b.lineStart, b.lineEnd)
            }
    }
}

extension SIPMessage: CustomStringConvertible {
    public var description: String { String(decoding: serialized(), as: UTF8.self) }
}
