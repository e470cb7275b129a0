/// One Via value (RFC 3261 §20.42, §18.2.1; RFC 3581): the protocol the request was sent with,
/// the sent-by host and port, and parameters such as `branch`, `received` and `rport`.
public struct Via: Sendable, Equatable, CustomStringConvertible {
    public let port: UInt16?
    /// The via-parm as written.
    public let text: ByteString
    let protocolNameSpan: ByteSpan
    let protocolVersionSpan: ByteSpan
    let transportSpan: ByteSpan
    let hostSpan: ByteSpan
    let parametersSpan: ByteSpan

    /// The protocol name, `SIP`.
    public var protocolName: ByteString { text.pieceOrEmpty(protocolNameSpan) }
    /// The protocol version, `2.0`.
    public var protocolVersion: ByteString { text.pieceOrEmpty(protocolVersionSpan) }
    /// `UDP`, `TCP`, `TLS`, `SCTP`, `WS`, `WSS` or any other token, as written.
    public var transport: ByteString { text.pieceOrEmpty(transportSpan) }
    /// The sent-by host (a name, an IPv4 address or an IPv6 reference with brackets).
    public var host: ByteString { text.pieceOrEmpty(hostSpan) }
    public var parameters: Parameters { Parameters(raw: text.pieceOrEmpty(parametersSpan)) }

    public static func == (lhs: Via, rhs: Via) -> Bool { lhs.text == rhs.text }

    /// The transaction id; RFC 3261 branches start with the magic cookie `z9hG4bK` (§8.1.1.7).
    public var branch: ByteString? { parameters.value("branch") }
    public var received: ByteString? { parameters.value("received") }
    /// `rport` (RFC 3581): present and empty in a request that asks for it; nil when absent.
    public var rport: Parameters.Parameter? { parameters.first(named: "rport") }
    public var maddr: ByteString? { parameters.value("maddr") }
    public var ttl: ByteString? { parameters.value("ttl") }

    /// Whether the branch carries the RFC 3261 magic cookie (§17.2.3): matching may use it alone.
    public var hasRFC3261Branch: Bool {
        guard let b = branch, b.count >= 7 else { return false }
        return b.bytes.prefix(7).elementsEqual("z9hG4bK".utf8)
    }

    public var description: String {
        var s = "\(protocolName)/\(protocolVersion)/\(transport) \(host)"
        if let port { s += ":\(port)" }
        return s + parameters.raw.string
    }

    /// Parses one via-parm at the scanner; leaves it before the following comma or at the end.
    static func parse(_ s: inout ByteScanner) throws(SIPParseError) -> Via {
        s.skipWhitespace()
        let start = s.position
        guard let name = s.token(), s.consumeSeparator(UInt8(ascii: "/")), let version = s.token(),
              s.consumeSeparator(UInt8(ascii: "/")), let transport = s.token() else {
            throw .malformedHeader("Via", "malformed sent-protocol")
        }
        s.skipWhitespace()
        let hostStart = s.position
        _ = try URIParser.parseHost(&s, in: "Via")
        let host = ByteSpan(hostStart..<s.position)
        var port: UInt16?
        if s.consumeSeparator(UInt8(ascii: ":")) {
            let digits = s.take(while: CharacterClass.isDigit)
            guard let value = digits.decimalValue(limit: 65_535) else { throw .malformedHeader("Via", "bad port") }
            port = UInt16(value)
        }
        let parametersStart = s.position
        _ = try s.headerParameters(in: "Via")
        return Via(port: port, text: ByteString(s.bytes[start..<s.position]), protocolNameSpan: ByteSpan(name.bytes.indices),
                   protocolVersionSpan: ByteSpan(version.bytes.indices), transportSpan: ByteSpan(transport.bytes.indices),
                   hostSpan: host, parametersSpan: ByteSpan(parametersStart..<s.position))
    }

    /// Checks the values of the parameters §20.42 defines: ttl 0-255, maddr a host, received an
    /// address, branch a token, rport empty or a port.
    func validateParameters() throws(SIPParseError) {
        for p in parameters {
            if p.name.equalsIgnoringASCIICase("ttl") {
                guard p.value?.decimalValue(limit: 255) != nil else { throw .malformedHeader("Via", "bad ttl") }
            } else if p.name.equalsIgnoringASCIICase("rport"), let v = p.value {
                guard v.decimalValue(limit: 65_535) != nil else { throw .malformedHeader("Via", "bad rport") }
            } else if p.name.equalsIgnoringASCIICase("branch") || p.name.equalsIgnoringASCIICase("received")
                        || p.name.equalsIgnoringASCIICase("maddr") {
                guard let v = p.value, !v.isEmpty, v.bytes.first != UInt8(ascii: "\"") else {
                    throw .malformedHeader("Via", "\(p.name) needs a value")
                }
            }
        }
    }
}
